"""Property test of the step machine: random sequences of advance, undo, lock, reopen, by the
leaders and by everyone else, with steps blocked and unblocked between them, never reach an
inconsistent state:

- every session stands at a step that applies to it, the one a simple model predicts;
- a session is locked exactly when its closed period is held (school.ClosedPeriod), and no
  closed period is held for a session that is not locked;
- the version never decreases and grows by one at each reopening;
- the history has one entry per transition (plus the creation);
- whoever may not lead (or reopen) moves nothing, and every refusal writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from campanella.audit.selectors import record_history
from campanella.evaluation import rules, steps
from campanella.evaluation import sessions as services
from campanella.evaluation.models import EvaluationSession, SessionKind, Step
from campanella.evaluation.selectors import with_shape
from campanella.people.models import Staff, User
from campanella.school.models import Classroom, ClosedPeriod, SchoolKind, Term, TermKind
from tests.conftest import Cast
from tests.evaluation.session_helpers import BLOCKED, first_term, second_term
from tests.factories import ClassroomFactory, SchoolFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_checks")]

ACTORS = ("coordinator", "principal", "teacher", "office", "other_teacher", "foreign_office",
          "outsider")  # fmt: skip


# How many locks and reopenings the runs reached (the test asserts the runs go that far).
REACHED = {"lock": 0, "reopen": 0}


@dataclass
class World:
    users: dict[str, User]
    plans: list[tuple[list[Classroom], Term, str]]  # what each example opens


@dataclass
class Expected:
    step_index: int
    version: int = 1
    transitions: int = 0


class SessionMachine(RuleBasedStateMachine):
    world: ClassVar[World]

    def __init__(self) -> None:
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        BLOCKED.clear()
        office = self.world.users["office"]
        self.sessions: list[EvaluationSession] = []
        for classrooms, term, kind in self.world.plans:
            made = services.sessions_create(
                classrooms=classrooms, term=term, kind=kind, user=office
            )
            self.sessions += made.created
        self.steps = {s.pk: steps.applicable_steps(self.fresh(s.pk)) for s in self.sessions}
        self.expected = {s.pk: Expected(step_index=0) for s in self.sessions}

    def teardown(self) -> None:
        BLOCKED.clear()
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # --- helpers --------------------------------------------------------------------------

    def fresh(self, pk: int) -> EvaluationSession:
        return with_shape(EvaluationSession.objects.filter(pk=pk)).get()

    def pick(self, index: int) -> EvaluationSession:
        return self.fresh(self.sessions[index % len(self.sessions)].pk)

    def step_of(self, session: EvaluationSession) -> Step:
        return self.steps[session.pk][self.expected[session.pk].step_index]

    def attempt(self, call: Any, expected_code: str | None, **kwargs: Any) -> None:
        if expected_code is None:
            call(**kwargs)
            return
        with pytest.raises(services.SessionError) as caught:
            call(**kwargs)
        assert caught.value.code == expected_code, caught.value.message

    def moved(self, session: EvaluationSession, offset: int) -> None:
        model = self.expected[session.pk]
        model.step_index += offset
        model.transitions += 1

    # --- rules ----------------------------------------------------------------------------

    @rule(index=st.integers(0, 20), problems=st.booleans())
    def block(self, index: int, problems: bool) -> None:
        session = self.pick(index)
        if problems:
            BLOCKED[session.pk] = ["Manca qualcosa."]
        else:
            BLOCKED.pop(session.pk, None)

    @rule(index=st.integers(0, 20), actor=st.sampled_from(ACTORS))
    def advance(self, index: int, actor: str) -> None:
        session = self.pick(index)
        user = self.world.users[actor]
        step = self.step_of(session)
        following = steps.next_step(session)
        code: str | None = None
        if not rules.may_lead(user, session):
            code = "not_allowed"
        elif step == Step.LOCKED:
            code = "session_locked"
        elif following == Step.LOCKED:
            code = "step_order"
        elif session.pk in BLOCKED:
            code = "step_blocked"
        self.attempt(services.step_advance, code, session=session, user=user)
        if code is None:
            self.moved(session, +1)

    @rule(index=st.integers(0, 20), actor=st.sampled_from(ACTORS))
    def run_to_the_minutes_and_lock(self, index: int, actor: str) -> None:
        """The principal advances as far as the steps let, then `actor` tries the lock: random
        runs reach the lock (and the reopening) often."""
        for _ in range(len(steps.ORDER)):
            session = self.pick(index)
            if self.step_of(session) in (Step.MINUTES, Step.LOCKED) or session.pk in BLOCKED:
                break
            services.step_advance(session=session, user=self.world.users["principal"])
            self.moved(session, +1)
        self.lock(index, actor)

    @rule(index=st.integers(0, 20), actor=st.sampled_from(ACTORS))
    def undo(self, index: int, actor: str) -> None:
        session = self.pick(index)
        user = self.world.users[actor]
        code: str | None = None
        if not rules.may_lead(user, session):
            code = "not_allowed"
        elif self.step_of(session) == Step.LOCKED:
            code = "session_locked"
        elif self.expected[session.pk].step_index == 0:
            code = "step_order"
        self.attempt(services.step_undo, code, session=session, user=user)
        if code is None:
            self.moved(session, -1)

    @rule(index=st.integers(0, 20), actor=st.sampled_from(ACTORS))
    def lock(self, index: int, actor: str) -> None:
        session = self.pick(index)
        user = self.world.users[actor]
        step = self.step_of(session)
        code: str | None = None
        if not rules.may_lead(user, session):
            code = "not_allowed"
        elif step == Step.LOCKED:
            code = "session_locked"
        elif step != Step.MINUTES or session.pk in BLOCKED:
            code = "step_blocked"
        self.attempt(services.session_lock, code, session=session, user=user)
        if code is None:
            REACHED["lock"] += 1
            self.moved(session, +1)

    @rule(
        index=st.integers(0, 20),
        actor=st.sampled_from(ACTORS),
        reason=st.sampled_from(["", "  ", "Errore materiale nel voto di condotta"]),
    )
    def reopen(self, index: int, actor: str, reason: str) -> None:
        self.reopen_as(index, actor, reason)

    @rule(index=st.integers(0, 20))
    def principal_reopens(self, index: int) -> None:
        self.reopen_as(index, "principal", "Errore materiale nel verbale")

    def reopen_as(self, index: int, actor: str, reason: str) -> None:
        session = self.pick(index)
        user = self.world.users[actor]
        code: str | None = None
        if not rules.may_reopen(user, session):
            code = "not_allowed"
        elif not reason.strip():
            code = "reason_required"
        elif self.step_of(session) != Step.LOCKED:
            code = "not_locked"
        self.attempt(services.session_reopen, code, session=session, user=user, reason=reason)
        if code is None:
            self.moved(session, -1)
            self.expected[session.pk].version += 1
            REACHED["reopen"] += 1

    # --- invariants -----------------------------------------------------------------------

    @invariant()
    def consistent(self) -> None:
        sessions = list(with_shape(EvaluationSession.objects.filter(pk__in=self.expected)))
        held = set(ClosedPeriod.objects.values_list("holder", flat=True))
        locked = set()
        for session in sessions:
            model = self.expected[session.pk]
            assert session.step in steps.applicable_steps(session)
            assert session.step == self.step_of(session)
            assert session.is_locked == (session.locked_at is not None)
            assert session.version == model.version
            if session.is_locked:
                locked.add(services.holder_of(session))
            assert record_history(session).count() == 1 + model.transitions
        assert held == locked


def build_world(cast: Cast) -> World:
    first, last = first_term(cast), second_term(cast)
    year = first.school_year
    coordinator = Staff.objects.get(user=cast.coordinator)
    third = ClassroomFactory(school=cast.school, school_year=year, year=3, section="C",
                             coordinator=coordinator)  # fmt: skip
    primary = SchoolFactory(institute=cast.institute, kind=SchoolKind.PRIMARY)
    for number, (start, end) in enumerate([(first.start_date, first.end_date),
                                           (last.start_date, last.end_date)], start=1):  # fmt: skip
        Term.objects.create(school_year=year, school=primary, number=number,
                            kind=TermKind.FOUR_MONTHS, start_date=start, end_date=end)  # fmt: skip
    primary_last = Term.objects.get(school=primary, number=2)
    fourth = ClassroomFactory(school=primary, school_year=year, year=4, section="A",
                              coordinator=coordinator)  # fmt: skip
    users = {name: getattr(cast, name) for name in ACTORS}
    return World(
        users=users,
        plans=[
            ([cast.classroom_1a, cast.classroom_2b], first, SessionKind.INTERMEDIATE),
            ([third], last, SessionKind.FINAL),
            ([fourth], primary_last, SessionKind.FINAL),
        ],
    )


def test_no_sequence_of_steps_reaches_an_inconsistent_state(cast: Cast) -> None:
    SessionMachine.world = build_world(cast)
    REACHED.update(lock=0, reopen=0)
    run_state_machine_as_test(
        SessionMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=20,
            deadline=None,
            derandomize=True,  # the same runs every time: the suite's outcome does not vary
            suppress_health_check=list(HealthCheck),
        ),
    )
    assert REACHED["lock"] > 0 and REACHED["reopen"] > 0, REACHED
