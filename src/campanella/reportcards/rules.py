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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import rules
from django.db.models import Q, QuerySet
from django.utils import timezone

from campanella.evaluation import selectors as evaluation_selectors
from campanella.evaluation.models import EvaluationSession, SessionKind, Step
from campanella.people.models import Student
from campanella.people.roles import active_links, roles_for_user
from campanella.reportcards.models import ReportCardBundle
from campanella.school.models import Classroom, Term

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
    if not is_family_of(user, student):
        return None
    if not published_sessions().filter(pk=session.pk).exists():
        return None
    return Access(session, student, family=True, may_confirm=may_confirm_for(user, student))


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
