"""Shared set-up of the session tests: the cast's year with two periods (the first ends with an
intermediate scrutinio, the second with the final one), and the step checks under the test's
control (the other modules' checks need data these tests do not make)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest

from campanella.evaluation import steps
from campanella.evaluation.models import EvaluationSession, SessionKind, Step
from campanella.people.models import User
from campanella.school.models import Term, TermKind
from tests.conftest import Cast

# Session id -> the problems its current step has, for the `blocking` checks below.
BLOCKED: dict[int, list[str]] = {}


def blocking(session: EvaluationSession) -> list[str]:
    return list(BLOCKED.get(session.pk, []))


@pytest.fixture
def own_checks() -> Iterator[dict[int, list[str]]]:
    """Every step's checks are only `blocking`: a test blocks a session by naming it in the
    dict it gets."""
    BLOCKED.clear()
    with steps.checks_replaced({step.value: [blocking] for step in steps.ORDER[:-1]}):
        yield BLOCKED
    BLOCKED.clear()


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
    """1A's session of `kind` (intermediate on the first period, else on the second) at `step`;
    asked again, the same session is put at the step."""
    term = first_term(cast) if kind == SessionKind.INTERMEDIATE else second_term(cast)
    session, _created = EvaluationSession.objects.update_or_create(
        classroom=cast.classroom_1a, term=term, kind=kind, student=None, defaults={"step": step}
    )
    return session


def moved_to(session: EvaluationSession, step: str, user: User | None = None) -> None:
    """Put a session at a step directly (set-up only: no history)."""
    EvaluationSession.objects.filter(pk=session.pk).update(step=step)
    session.refresh_from_db()


def quiet_session(cast: Cast, step: str = Step.PROPOSALS) -> EvaluationSession:
    """The final session of a classroom with no students and no subjects (3ª C, coordinated by
    the cast's coordinator) at `step`: the proposals' check finds nothing missing in it, so the
    route tables' rightful moves (advance from the proposals, undo) succeed."""
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


def lockable_session(cast: Cast) -> EvaluationSession:
    """1ª A's final session with everything deliberated (tests.evaluation.council_support) and
    its documents made by the council's service: every step's registered check passes, so it
    can be locked."""
    from campanella.evaluation.documents import documents_generate
    from tests.evaluation.council_support import completed

    session = completed(cast)
    session.marks.filter(proposed_mark__lt=6, gaps="").update(  # every failing proposal's gaps
        gaps="Argomenti del periodo", recovery_mode="corso"
    )
    documents_generate(user=cast.coordinator, session=session)
    return EvaluationSession.objects.get(pk=session.pk)


def locked_session(cast: Cast) -> EvaluationSession:
    """`lockable_session` locked by its coordinator (its period closed)."""
    from campanella.evaluation.sessions import session_lock

    return session_lock(session=lockable_session(cast), user=cast.coordinator)
