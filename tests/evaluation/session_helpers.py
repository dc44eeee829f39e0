"""Shared set-up of the session tests: the cast's year with two periods (the first ends with an
intermediate scrutinio, the second with the final one), and the step checks under the test's
control (the other modules' checks need data these tests do not make)."""

from __future__ import annotations

import datetime

from campanella.evaluation.models import EvaluationSession, SessionKind, Step
from campanella.people.models import User
from campanella.school.models import Term, TermKind
from tests.conftest import Cast

# Session id -> the problems its current step has, for the `blocking` checks below.
BLOCKED: dict[int, list[str]] = {}


def blocking(session: EvaluationSession) -> list[str]:
    return list(BLOCKED.get(session.pk, []))


def first_term(cast: Cast) -> Term:
    return Term.objects.get(school=cast.school, number=1)


def second_term(cast: Cast) -> Term:
    """The final period of the cast's year (made on first use)."""
    first = first_term(cast)
    year = first.school_year
    found = Term.objects.filter(school=cast.school, number=2).first()
    if found is not None:
        return found
    return Term.objects.create(
        school_year=year,
        school=cast.school,
        number=2,
        kind=TermKind.FIVE_MONTHS,
        start_date=first.end_date + datetime.timedelta(days=1),
        end_date=datetime.date(year.end_date.year, 6, 30),
    )


def session_of(
    cast: Cast, kind: str = SessionKind.INTERMEDIATE, step: str = Step.PROPOSALS
) -> EvaluationSession:
    """1A's session of `kind` (intermediate on the first period, else on the second)."""
    term = first_term(cast) if kind == SessionKind.INTERMEDIATE else second_term(cast)
    session = EvaluationSession.objects.create(
        classroom=cast.classroom_1a, term=term, kind=kind, step=step
    )
    return session


def moved_to(session: EvaluationSession, step: str, user: User | None = None) -> None:
    """Put a session at a step directly (set-up only: no history)."""
    EvaluationSession.objects.filter(pk=session.pk).update(step=step)
    session.refresh_from_db()


def quiet_session(cast: Cast, step: str = Step.PROPOSALS) -> EvaluationSession:
    """The final session of a classroom with no students and no subjects (3ª C, coordinated by
    the cast's coordinator) at `step`: every step's checks find nothing missing in it, so that
    the route tables' rightful writes (advance, undo, lock) succeed whatever checks the step
    modules register. A module whose check would still find something missing here (e.g. the
    opening's data, the minutes' documents) completes this set-up so that it does not."""
    from campanella.people.models import Staff
    from tests.factories import ClassroomFactory

    classroom = ClassroomFactory(
        school=cast.school,
        school_year=cast.classroom_1a.school_year,
        year=3,
        section="C",
        coordinator=Staff.objects.get(user=cast.coordinator),
    )
    return EvaluationSession.objects.create(
        classroom=classroom, term=first_term(cast), kind=SessionKind.FINAL, step=step
    )


def locked_quiet_session(cast: Cast) -> EvaluationSession:
    """`quiet_session` locked by its coordinator (its period closed)."""
    from campanella.evaluation.sessions import session_lock

    session = quiet_session(cast, Step.MINUTES)
    return session_lock(session=session, user=cast.coordinator)
