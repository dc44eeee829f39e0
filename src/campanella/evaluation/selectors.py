"""Reads of scrutini: the sessions a login sees (through `rules.sessions_for_user`), shaped
for the step machine without extra queries, and the students each session concerns."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from campanella.evaluation import rules, steps
from campanella.evaluation.models import EvaluationSession, Outcome, SessionKind
from campanella.people.models import Enrollment, Student

# What `steps.applicable_steps`, the pages and the history need of a session, in its query.
RELATED = (
    "classroom__school",
    "term__school_year",
    "student",
    "locked_by__staff_profile",
)


def with_shape(sessions: QuerySet[EvaluationSession]) -> QuerySet[EvaluationSession]:
    """Sessions with what the step machine reads (school, classroom, term, whether a later
    period follows): applicable_steps then costs no query."""
    return sessions.select_related(*RELATED).annotate(later_term=steps.later_term_exists())


def sessions_visible(user: Any) -> QuerySet[EvaluationSession]:
    """The sessions this login may read, shaped, ordered by period, classroom and kind."""
    return with_shape(rules.sessions_for_user(user)).order_by(
        "-term__school_year__start_date",
        "term__start_date",
        "term__school__name",
        "classroom__year",
        "classroom__section",
        "classroom__track",
        "kind",
        "student__surname",
        "pk",
    )


def session_for_user(user: Any, session_id: int) -> EvaluationSession | None:
    """One session this login may read, shaped; None when missing or not visible (404)."""
    return sessions_visible(user).filter(pk=session_id).first()


def session_students(session: EvaluationSession) -> QuerySet[Student]:
    """The students a session concerns, by name:
    - deferred: its one student;
    - integrativo: the students whose judgement the final session of the classroom and
      period suspended;
    - otherwise: the students enrolled in the classroom on the period's last day (the last day
      of lessons when the period ends later, as the proposals and the council count them), but
      those whose evaluation was deferred to a session of their own."""
    students = Student.objects.order_by("surname", "name", "pk")
    if session.kind == SessionKind.DEFERRED:
        return students.filter(pk__in=[session.student_id] if session.student_id else [])
    if session.kind == SessionKind.SUPPLEMENTARY:
        return suspended_students(session.classroom_id, session.term_id)
    term = session.term
    day = min(term.end_date, term.school_year.lessons_end)
    on_that_day = Q(entry_date__lte=day) & (Q(exit_date__isnull=True) | Q(exit_date__gte=day))
    enrolled = Enrollment.objects.filter(on_that_day, classroom_id=session.classroom_id)
    deferred = EvaluationSession.objects.filter(
        classroom_id=session.classroom_id,
        term_id=session.term_id,
        kind=SessionKind.DEFERRED,
        student=OuterRef("pk"),
    )
    return students.filter(pk__in=enrolled.values("student_id")).exclude(Exists(deferred))


def suspended_students(classroom_id: int, term_id: int) -> QuerySet[Student]:
    """Students whose judgement the final session of this classroom and period suspended."""
    final = EvaluationSession.objects.filter(
        classroom_id=classroom_id, term_id=term_id, kind=SessionKind.FINAL
    )
    return Student.objects.filter(
        pk__in=final.filter(results__outcome=Outcome.SUSPENDED).values("results__student_id")
    ).order_by("surname", "name", "pk")


def main_session(session: EvaluationSession) -> EvaluationSession | None:
    """For a deferred session: the classroom's own session of the same period (intermediate
    or final) it was deferred from."""
    kind = SessionKind.FINAL if steps.is_final(session) else SessionKind.INTERMEDIATE
    return EvaluationSession.objects.filter(
        classroom_id=session.classroom_id, term_id=session.term_id, kind=kind, student=None
    ).first()
