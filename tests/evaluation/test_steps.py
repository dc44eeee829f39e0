"""Which steps a scrutinio walks through, by school level and kind, and the checks' registry."""

from __future__ import annotations

import pytest

from campanella.evaluation import steps
from campanella.evaluation.models import EvaluationSession, SessionKind, Step
from campanella.school.models import SchoolKind
from tests.conftest import Cast
from tests.evaluation.factories import EvaluationSessionFactory
from tests.evaluation.session_helpers import second_term, session_of
from tests.factories import ClassroomFactory, SchoolFactory, StudentFactory, TermFactory

S = Step
EVERY = (S.PROPOSALS, S.OPENING, S.ATTENDANCE, S.MARKS, S.BEHAVIOUR, S.CIVICS, S.OUTCOMES)


def shape(school: str, year: int, kind: str, final: bool) -> tuple[Step, ...]:
    return steps.steps_for(school_kind=school, classroom_year=year, kind=kind, final=final)


def test_primary_has_no_attendance_check_nor_credits() -> None:
    final = shape(SchoolKind.PRIMARY, 5, SessionKind.FINAL, True)
    assert S.ATTENDANCE not in final and S.CREDITS not in final
    assert final == (S.PROPOSALS, S.OPENING, S.MARKS, S.BEHAVIOUR, S.CIVICS, S.OUTCOMES,
                     S.MINUTES, S.LOCKED)  # fmt: skip


def test_intermediate_sessions_have_no_outcomes_credits_or_attendance_check() -> None:
    for school in (SchoolKind.PRIMARY, SchoolKind.LOWER_SECONDARY, SchoolKind.UPPER_SECONDARY):
        found = shape(school, 4, SessionKind.INTERMEDIATE, False)
        assert found == (S.PROPOSALS, S.OPENING, S.MARKS, S.BEHAVIOUR, S.CIVICS, S.MINUTES,
                         S.LOCKED)  # fmt: skip


def test_final_of_secondary_checks_attendance_and_decides_outcomes() -> None:
    lower = shape(SchoolKind.LOWER_SECONDARY, 3, SessionKind.FINAL, True)
    assert lower == (*EVERY, S.MINUTES, S.LOCKED)


@pytest.mark.parametrize(("year", "credits"), [(1, False), (2, False), (3, True), (4, True),
                                                (5, True)])  # fmt: skip
def test_credits_only_in_the_last_three_years_of_upper_secondary(year: int, credits: bool) -> None:
    assert (
        S.CREDITS in shape(SchoolKind.UPPER_SECONDARY, year, SessionKind.FINAL, True)
    ) is credits
    assert S.CREDITS not in shape(SchoolKind.LOWER_SECONDARY, 3, SessionKind.FINAL, True)


def test_the_integrativo_decides_outcomes_and_credits_but_not_attendance_nor_civics() -> None:
    found = shape(SchoolKind.UPPER_SECONDARY, 3, SessionKind.SUPPLEMENTARY, True)
    assert found == (S.PROPOSALS, S.OPENING, S.MARKS, S.BEHAVIOUR, S.OUTCOMES, S.CREDITS,
                     S.MINUTES, S.LOCKED)  # fmt: skip


@pytest.mark.django_db
def test_a_deferred_session_is_final_on_the_last_period_only(cast: Cast) -> None:
    student = cast.child
    first = EvaluationSessionFactory(
        classroom=cast.classroom_1a, term=cast.classroom_1a.school.terms.get(number=1),
        kind=SessionKind.DEFERRED, student=student,
    )  # fmt: skip
    assert steps.is_final(first)  # the cast's year has one period so far: it is the last
    last = second_term(cast)
    assert not steps.is_final(EvaluationSession.objects.get(pk=first.pk))
    on_last = EvaluationSessionFactory(
        classroom=cast.classroom_1a, term=last, kind=SessionKind.DEFERRED, student=student
    )
    assert S.OUTCOMES in steps.applicable_steps(on_last)
    assert S.OUTCOMES not in steps.applicable_steps(first)


@pytest.mark.django_db
def test_next_and_previous_follow_the_applicable_steps(cast: Cast) -> None:
    session = session_of(cast)  # intermediate in an upper secondary first year
    assert steps.next_step(session) == S.OPENING
    assert steps.previous_step(session) is None
    assert steps.next_step(session, S.OPENING) == S.MARKS  # no attendance check
    assert steps.previous_step(session, S.MARKS) == S.OPENING
    assert steps.next_step(session, S.MINUTES) == S.LOCKED
    assert steps.next_step(session, S.LOCKED) is None
    assert steps.next_step(session, S.OUTCOMES) is None  # not a step of this session


@pytest.mark.django_db
def test_shaped_sessions_know_their_steps_without_queries(
    cast: Cast, django_assert_num_queries: object
) -> None:
    from campanella.evaluation.selectors import with_shape

    primary = SchoolFactory(institute=cast.institute, kind=SchoolKind.PRIMARY)
    term = TermFactory(school=primary, school_year=cast.classroom_1a.school_year)
    classroom = ClassroomFactory(school=primary, school_year=term.school_year, year=2)
    for kind, student in ((SessionKind.FINAL, None), (SessionKind.DEFERRED, StudentFactory())):
        EvaluationSessionFactory(classroom=classroom, term=term, kind=kind, student=student)
    sessions = list(with_shape(EvaluationSession.objects.filter(classroom=classroom)))
    with django_assert_num_queries(0):  # type: ignore[operator]
        found = {s.kind: steps.applicable_steps(s) for s in sessions}
    assert S.ATTENDANCE not in found[SessionKind.FINAL]
    assert found[SessionKind.DEFERRED] == found[SessionKind.FINAL]


@pytest.mark.django_db
def test_registered_checks_block_their_step_and_all_of_them_block_the_lock(cast: Cast) -> None:
    session = session_of(cast, step=S.MINUTES)

    def no_minutes(found: EvaluationSession) -> list[str]:
        return ["manca il verbale."]

    def no_proposals(found: EvaluationSession) -> list[str]:
        return ["mancano 2 proposte di Matematica."]

    with steps.checks_replaced({S.MINUTES: [no_minutes], S.PROPOSALS: [no_proposals]}):
        assert steps.step_problems(session) == ["manca il verbale."]
        assert steps.step_problems(session, S.PROPOSALS) == ["mancano 2 proposte di Matematica."]
        assert steps.lock_problems(session) == [
            "Proposte di voto: mancano 2 proposte di Matematica.",
            "Verbale e documenti: manca il verbale.",
        ]
        steps.register_check(S.MINUTES, no_minutes)  # again: replaces, does not double
        assert len(steps.checks_for(S.MINUTES)) == 1
    assert no_minutes not in steps.checks_for(S.MINUTES)
    with pytest.raises(ValueError, match="no check"):
        steps.register_check(S.LOCKED, no_minutes)
