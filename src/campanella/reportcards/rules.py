"""Who may see and do what with report cards: the one place the pages and the API ask.

- Families (a guardian with an active link, or the student themselves) see a report card of
  their own child only once its session is locked AND published (the publication time the
  office set has passed); before it they see nothing, exactly as if it did not exist (404).
- A guardian, or the student once adult, confirms having seen it (presa visione); a minor
  student reads it but does not confirm.
- The office and the principal of the institute see every locked session's report cards,
  set the publication, follow the confirmations and make the classroom's bundle; the
  classroom's coordinator sees and follows their classroom (publication is the office's).
- The class list of outcomes (admitted / not admitted, credits in years 3–5) is read by the
  families and students of that session's students once published, and by the staff above.
Anyone else: 404 like a missing object (DESIGN §4).

Interim reports (pagellini), the same way: families see their own child's once the round is
published (nothing before); the office and principal of the institute follow every round and
create them, the coordinator follows the round's classrooms they coordinate (who is missing,
who confirmed) and writes the student's note; a teacher reads and adjusts the entries of their
own subjects (their teachings, as for the scrutinio's proposals) in the round's classrooms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import rules
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet
from django.utils import timezone

from campanella.evaluation import selectors as evaluation_selectors
from campanella.evaluation.models import EvaluationSession, SessionKind, Step
from campanella.evaluation.rules import own_teachings, teaching_subjects
from campanella.people.models import Student
from campanella.people.roles import active_links, roles_for_user
from campanella.reportcards.models import InterimReport, InterimRound, ReportCardBundle
from campanella.school.models import Classroom, Subject, Term

# Sessions whose report card says how the year ended (an outcome): the class list exists.
OUTCOME_KINDS = (SessionKind.FINAL, SessionKind.SUPPLEMENTARY, SessionKind.DEFERRED)


def family_students(user: Any) -> QuerySet[Student]:
    """The children linked to this login (links not revoked) and the student themselves."""
    roles = roles_for_user(user)
    scope = Q(pk__in=[])
    if roles.user_id is not None:
        scope |= Q(pk__in=active_links(roles.user_id).values("student_id"))
    if roles.student is not None:
        scope |= Q(pk=roles.student.pk)
    return Student.objects.filter(scope)


def published_sessions(now: Any = None) -> QuerySet[EvaluationSession]:
    """Locked sessions whose publication time has passed."""
    return EvaluationSession.objects.filter(
        step=Step.LOCKED, publication__publish_at__lte=now or timezone.now()
    )


def manages(user: Any, institute_id: int) -> bool:
    """Office and principal of the institute."""
    return roles_for_user(user).manages_institute_id == institute_id


def follows(user: Any, classroom: Classroom) -> bool:
    """Office and principal of the classroom's institute, or its coordinator."""
    roles = roles_for_user(user)
    if roles.staff is None:
        return False
    return manages(user, classroom.school.institute_id) or (
        classroom.pk in roles.coordinated_classroom_ids
    )


def followed_sessions(user: Any) -> QuerySet[EvaluationSession]:
    """Locked sessions whose report cards this login follows as staff."""
    roles = roles_for_user(user)
    locked = EvaluationSession.objects.filter(step=Step.LOCKED)
    if roles.staff is None:
        return locked.none()
    if roles.manages_institute_id is not None:
        return locked.filter(classroom__school__institute_id=roles.manages_institute_id)
    return locked.filter(classroom_id__in=roles.coordinated_classroom_ids)


@rules.predicate
def is_family_of(user: Any, student: Student | None) -> bool:
    return student is not None and family_students(user).filter(pk=student.pk).exists()


@rules.predicate
def may_confirm_for(user: Any, student: Student | None) -> bool:
    """A guardian with an active link, or the student themselves once adult."""
    if student is None:
        return False
    roles = roles_for_user(user)
    if active_links(roles.user_id).filter(student_id=student.pk).exists():
        return True
    return roles.student is not None and roles.student.pk == student.pk and student.is_adult


@rules.predicate
def may_publish(user: Any, session: EvaluationSession | None) -> bool:
    return session is not None and manages(user, session.classroom.school.institute_id)


@rules.predicate
def may_follow(user: Any, session: EvaluationSession | None) -> bool:
    return session is not None and follows(user, session.classroom)


rules.add_rule("reportcards.confirm_for_student", may_confirm_for)
rules.add_rule("reportcards.publish_session", may_publish)
rules.add_rule("reportcards.follow_session", may_follow)


@dataclass(frozen=True)
class Access:
    """A report card this login may read, and how: as family (`family`) or as staff."""

    session: EvaluationSession
    student: Student
    family: bool
    may_confirm: bool


def session_students_ids(session: EvaluationSession) -> QuerySet[Student]:
    return evaluation_selectors.session_students(session)


def report_card_access(user: Any, session_id: int, student_id: int) -> Access | None:
    """The one read of a report card: None (404) unless this login may see the student's
    report card of that session now."""
    session = (
        EvaluationSession.objects.select_related(
            "classroom__school__institute", "term__school_year", "publication", "student"
        )
        .filter(pk=session_id, step=Step.LOCKED)
        .first()
    )
    if session is None:
        return None
    student = session_students_ids(session).filter(pk=student_id).first()
    if student is None:
        return None
    if follows(user, session.classroom):
        return Access(session, student, family=False, may_confirm=False)
    # `is_family_of` and `may_confirm_for` in one question: a guardian's active link makes
    # both true; without one, only the student themselves (already known from the roles).
    roles = roles_for_user(user)
    linked = active_links(roles.user_id).filter(student_id=student.pk).exists()
    own = roles.student is not None and roles.student.pk == student.pk
    if not (linked or own) or not is_published(session):
        return None
    return Access(session, student, family=True, may_confirm=linked or student.is_adult)


def is_published(session: EvaluationSession, now: Any = None) -> bool:
    """`published_sessions` for a locked session read with its publication (no query)."""
    try:
        publication = session.publication
    except ObjectDoesNotExist:
        return False
    return session.step == Step.LOCKED and publication.is_published(now)


def outcomes_session_for_user(user: Any, session_id: int) -> EvaluationSession | None:
    """A session whose class list of outcomes this login may read, or None (404)."""
    session = (
        EvaluationSession.objects.select_related("classroom__school__institute", "term")
        .filter(pk=session_id, step=Step.LOCKED, kind__in=OUTCOME_KINDS)
        .first()
    )
    if session is None:
        return None
    if follows(user, session.classroom):
        return session
    if not published_sessions().filter(pk=session.pk).exists():
        return None
    concerned = session_students_ids(session).filter(pk__in=family_students(user).values("pk"))
    return session if concerned.exists() else None


def followed_session_for_user(user: Any, session_id: int) -> EvaluationSession | None:
    """A locked session whose confirmations and bundle this login follows, or None (404)."""
    return (
        followed_sessions(user)
        .select_related("classroom__school__institute", "term", "publication")
        .filter(pk=session_id)
        .first()
    )


def managed_institute_id(user: Any) -> int | None:
    """The institute whose report cards this login publishes (office, principal), or None."""
    return roles_for_user(user).manages_institute_id


def publishable_sessions(user: Any) -> QuerySet[EvaluationSession]:
    """The locked sessions whose publication this login sets: its institute's (office,
    principal); none for anyone else."""
    institute_id = managed_institute_id(user)
    locked = EvaluationSession.objects.filter(step=Step.LOCKED)
    if institute_id is None:
        return locked.none()
    return locked.filter(classroom__school__institute_id=institute_id)


def school_term_for_user(user: Any, school_id: int, term_id: int) -> Term | None:
    """A period of a school of this login's institute (office, principal), or None (404)."""
    institute_id = managed_institute_id(user)
    if institute_id is None:
        return None
    return (
        Term.objects.select_related("school")
        .filter(pk=term_id, school_id=school_id, school__institute_id=institute_id)
        .first()
    )


def bundle_for_user(user: Any, bundle_id: int) -> ReportCardBundle | None:
    """A classroom's bundle for who follows its session; a school's for the office and the
    principal of its institute; None (404) for anyone else."""
    bundles = ReportCardBundle.objects.select_related("classroom", "school").filter(pk=bundle_id)
    found = bundles.filter(session__in=followed_sessions(user)).first()
    if found is None:
        institute_id = managed_institute_id(user)
        if institute_id is not None:
            found = bundles.filter(session=None, school__institute_id=institute_id).first()
    return found


# --- interim reports (pagellini) ---------------------------------------------------------------


def followed_rounds(user: Any) -> QuerySet[InterimRound]:
    """Rounds this login follows: its institute's (office, principal), or those with a
    classroom it coordinates."""
    roles = roles_for_user(user)
    rounds = InterimRound.objects.all()
    if roles.staff is None:
        return rounds.none()
    if roles.manages_institute_id is not None:
        return rounds.filter(school__institute_id=roles.manages_institute_id)
    return rounds.filter(classrooms__in=roles.coordinated_classroom_ids).distinct()


def round_for_user(user: Any, round_id: int) -> InterimRound | None:
    """A round this login follows, or None (404)."""
    return (
        followed_rounds(user)
        .select_related("school__institute", "term__school_year")
        .filter(pk=round_id)
        .first()
    )


def round_classrooms_for_user(user: Any, found: InterimRound) -> QuerySet[Classroom]:
    """The round's classrooms this login follows: all for the office, the coordinated ones."""
    classrooms = found.classrooms.select_related("school").order_by("year", "section", "pk")
    if manages(user, found.school.institute_id):
        return classrooms
    return classrooms.filter(pk__in=roles_for_user(user).coordinated_classroom_ids)


def round_classroom_for_user(
    user: Any, round_id: int, classroom_id: int
) -> tuple[InterimRound, Classroom] | None:
    """A classroom of a round this login follows (office, principal, its coordinator)."""
    found = InterimRound.objects.select_related("school__institute", "term").filter(pk=round_id)
    interim = found.first()
    if interim is None:
        return None
    classroom = round_classrooms_for_user(user, interim).filter(pk=classroom_id).first()
    if classroom is None or not follows(user, classroom):
        return None
    return interim, classroom


def may_write_note(user: Any, classroom: Classroom) -> bool:
    """The student's note of an interim report: the classroom's coordinator."""
    return classroom.pk in roles_for_user(user).coordinated_classroom_ids


def marked_subjects(user: Any, classroom_id: int) -> QuerySet[Subject]:
    """The subjects whose interim entries this login adjusts in a classroom: its teachings."""
    return teaching_subjects(user, classroom_id)


def round_subject_for_user(
    user: Any, round_id: int, classroom_id: int, subject_id: int
) -> tuple[InterimRound, Classroom, Subject] | None:
    """A subject of a round's classroom this login teaches, or None (404)."""
    interim = (
        InterimRound.objects.select_related("school__institute", "term__school_year")
        .filter(pk=round_id, classrooms=classroom_id)
        .first()
    )
    if interim is None:
        return None
    subject = marked_subjects(user, classroom_id).filter(pk=subject_id).first()
    if subject is None:
        return None
    classroom = Classroom.objects.select_related("school").get(pk=classroom_id)
    return interim, classroom, subject


def taught_rounds(user: Any) -> QuerySet[InterimRound]:
    """Rounds with a classroom where this login teaches (it adjusts its subjects there)."""
    classrooms = own_teachings(user).values("classroom_id")
    return InterimRound.objects.filter(classrooms__in=classrooms).distinct()


def published_rounds(now: Any = None) -> QuerySet[InterimRound]:
    return InterimRound.objects.filter(publish_at__lte=now or timezone.now())


@dataclass(frozen=True)
class InterimAccess:
    """An interim report this login may read, and how: as family or as staff."""

    report: InterimReport
    family: bool
    may_confirm: bool


def interim_access(user: Any, round_id: int, student_id: int) -> InterimAccess | None:
    """The one read of a student's interim report: None (404) unless this login follows its
    classroom, or is its family once the round is published."""
    report = (
        InterimReport.objects.select_related(
            "round__school__institute", "round__term__school_year", "student",
            "classroom__school__institute",
        )
        .filter(round_id=round_id, student_id=student_id)
        .first()
    )  # fmt: skip
    if report is None:
        return None
    if follows(user, report.classroom):
        return InterimAccess(report, family=False, may_confirm=False)
    if not report.round.is_published() or not is_family_of(user, report.student):
        return None
    return InterimAccess(report, family=True, may_confirm=may_confirm_for(user, report.student))


def family_interim_reports(user: Any) -> QuerySet[InterimReport]:
    """The published interim reports of this login's children (or their own)."""
    return InterimReport.objects.filter(
        student__in=family_students(user), round__in=published_rounds()
    )
