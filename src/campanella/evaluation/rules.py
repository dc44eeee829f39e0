"""Who may do what in a scrutinio: the one place the evaluation pages and API ask.

- the principal and the office of the institute see every session; only the principal reopens;
- the classroom's coordinator (or the principal) moves the steps and records the council;
- a teacher of the classroom sees the session and writes proposals for their own subjects only;
- families and students see nothing here (report cards, issue 13, publish results to them).
A session another login may not see answers 404 like a missing one (DESIGN §4).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from campanella.evaluation.models import EvaluationSession
from campanella.people.roles import roles_for_user
from campanella.school.models import Classroom, Subject, Teaching, TeachingKind


def sessions_for_user(user: Any) -> QuerySet[EvaluationSession]:
    """The sessions this login may read: its institute's (office, principal), its classrooms'
    (coordinator, teachers of the classroom)."""
    roles = roles_for_user(user)
    sessions = EvaluationSession.objects.select_related("classroom__school", "term")
    if roles.staff is None:
        return sessions.none()
    if roles.is_office or roles.is_principal:
        return sessions.filter(classroom__school__institute_id=roles.staff.institute_id)
    if not (roles.is_teacher or roles.coordinated_classroom_ids):
        return sessions.none()
    teaches = Teaching.objects.filter(teacher=roles.staff, classroom=OuterRef("classroom"))
    return sessions.filter(Q(classroom_id__in=roles.coordinated_classroom_ids) | Q(Exists(teaches)))


def may_lead(user: Any, session: EvaluationSession) -> bool:
    """Coordinator of the session's classroom, or the institute's principal: moves steps,
    records the council, reads proposals, locks."""
    roles = roles_for_user(user)
    if roles.staff is None or roles.staff.institute_id != session.classroom.school.institute_id:
        return False
    return roles.is_principal or session.classroom_id in roles.coordinated_classroom_ids


def may_reopen(user: Any, session: EvaluationSession) -> bool:
    """Only the principal of the institute reopens a locked session (domain §3.11)."""
    roles = roles_for_user(user)
    return (
        roles.is_principal
        and roles.staff is not None
        and roles.staff.institute_id == session.classroom.school.institute_id
    )


def may_manage(user: Any, institute_id: int) -> bool:
    """Office and principal create sessions, read proposals for many classrooms, set criteria."""
    roles = roles_for_user(user)
    return (
        (roles.is_office or roles.is_principal)
        and roles.staff is not None
        and roles.staff.institute_id == institute_id
    )


def own_teachings(user: Any) -> QuerySet[Teaching]:
    """This login's teachings that mark a subject (support teachers mark none: they vote on
    the council, domain §2). Proposals and interim reports alike."""
    roles = roles_for_user(user)
    if roles.staff is None or not roles.is_teacher:
        return Teaching.objects.none()
    return Teaching.objects.filter(teacher=roles.staff).exclude(kind=TeachingKind.SUPPORT)


def teaching_subjects(user: Any, classroom_id: int) -> QuerySet[Subject]:
    """The subjects this login marks in a classroom: its own teachings."""
    own = own_teachings(user).filter(classroom_id=classroom_id, subject=OuterRef("pk"))
    return Subject.objects.filter(Exists(own))


def proposal_subjects(user: Any, session: EvaluationSession) -> QuerySet[Subject]:
    """The subjects this login proposes for in the session's classroom."""
    return teaching_subjects(user, session.classroom_id)


def may_propose(user: Any, session: EvaluationSession, subject_id: int) -> bool:
    return proposal_subjects(user, session).filter(pk=subject_id).exists()


# --- proposals (evaluation.proposals) ----------------------------------------------------------


def may_read_proposals(user: Any, classroom: Classroom) -> bool:
    """Reading proposals from the register ("lettura valutazioni"): the office and the
    principal for any classroom of their institute, the coordinator for their classroom."""
    roles = roles_for_user(user)
    if roles.staff is None or roles.staff.institute_id != classroom.school.institute_id:
        return False
    return roles.is_office or roles.is_principal or classroom.pk in roles.coordinated_classroom_ids


def sees_all_proposals(user: Any, session: EvaluationSession) -> bool:
    """The whole grid of a session's proposals and who is missing: who leads the session
    (coordinator, principal) and the office of the institute."""
    return may_lead(user, session) or may_manage(user, session.classroom.school.institute_id)
