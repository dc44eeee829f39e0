"""The services of a session's life: create, advance, undo, lock, reopen — and their refusals,
in Italian, that write nothing."""

from __future__ import annotations

from typing import Any

import pytest

from campanella.audit.models import Change
from campanella.audit.selectors import record_history
from campanella.evaluation import sessions as services
from campanella.evaluation.models import EvaluationSession, Outcome, SessionKind, Step
from campanella.evaluation.sessions import NotAllowed, SessionError
from campanella.school.models import ClosedPeriod
from tests.conftest import Cast
from tests.evaluation.factories import StudentResultFactory
from tests.evaluation.session_helpers import (
    first_term,
    moved_to,
    second_term,
    session_of,
)
from tests.factories import ClassroomFactory, SchoolFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_checks")]


def counts() -> tuple[int, int, int]:
    return EvaluationSession.objects.count(), ClosedPeriod.objects.count(), Change.objects.count()


def refused(call: Any, code: str, **kwargs: Any) -> SessionError:
    before = counts()
    steps_before = list(EvaluationSession.objects.values_list("pk", "step", "version"))
    with pytest.raises(SessionError) as caught:
        call(**kwargs)
    assert caught.value.code == code
    assert counts() == before
    assert list(EvaluationSession.objects.values_list("pk", "step", "version")) == steps_before
    return caught.value


# --- create -----------------------------------------------------------------------------------


def test_office_creates_sessions_for_some_classrooms_and_again_keeps_them(cast: Cast) -> None:
    term = first_term(cast)
    second_term(cast)
    made = services.sessions_create(
        classrooms=[cast.classroom_1a], term=term, kind=SessionKind.INTERMEDIATE, user=cast.office
    )
    assert [s.classroom for s in made.created] == [cast.classroom_1a]
    again = services.sessions_create(
        classrooms=[cast.classroom_1a, cast.classroom_2b], term=term,
        kind=SessionKind.INTERMEDIATE, user=cast.principal,
    )  # fmt: skip
    assert [s.classroom for s in again.created] == [cast.classroom_2b]
    assert [s.pk for s in again.existing] == [made.created[0].pk]
    assert EvaluationSession.objects.count() == 2
    created = Change.objects.filter(action="create", classroom_ref=cast.classroom_1a.pk)
    assert created.count() == 1 and created.get().actor == cast.office


def test_only_office_and_principal_create_sessions(cast: Cast) -> None:
    term = second_term(cast)
    for user in (cast.coordinator, cast.teacher, cast.foreign_office, cast.outsider):
        refused(services.sessions_create, "not_allowed", classrooms=[cast.classroom_1a],
                term=term, kind=SessionKind.FINAL, user=user)  # fmt: skip


def test_sessions_that_do_not_fit_the_period_are_refused_in_italian(cast: Cast) -> None:
    first, last = first_term(cast), second_term(cast)
    kwargs = {"classrooms": [cast.classroom_1a], "user": cast.office}
    error = refused(services.sessions_create, "invalid_session", term=first,
                    kind=SessionKind.FINAL, **kwargs)  # fmt: skip
    assert "ultimo periodo" in error.message
    error = refused(services.sessions_create, "invalid_session", term=last,
                    kind=SessionKind.INTERMEDIATE, **kwargs)  # fmt: skip
    assert "scrutinio finale" in error.message
    refused(services.sessions_create, "invalid_session", term=last, kind=SessionKind.DEFERRED,
            **kwargs)  # fmt: skip
    error = refused(services.sessions_create, "invalid_session", term=last, kind=SessionKind.FINAL,
                    classrooms=[], user=cast.office)  # fmt: skip
    assert error.message == "Scegliere almeno una classe."
    other_school = SchoolFactory(institute=cast.institute)
    elsewhere = ClassroomFactory(school=other_school, school_year=cast.classroom_1a.school_year)
    error = refused(services.sessions_create, "invalid_session", term=last,
                    kind=SessionKind.FINAL, classrooms=[cast.classroom_1a, elsewhere],
                    user=cast.office)  # fmt: skip
    assert elsewhere.name in error.message


def test_the_integrativo_opens_only_where_judgements_were_suspended(cast: Cast) -> None:
    last = second_term(cast)
    final = services.sessions_create(
        classrooms=[cast.classroom_1a, cast.classroom_2b], term=last, kind=SessionKind.FINAL,
        user=cast.office,
    ).created  # fmt: skip
    skipped = services.sessions_create(
        classrooms=[cast.classroom_1a], term=last, kind=SessionKind.SUPPLEMENTARY, user=cast.office
    )
    assert skipped.created == [] and "non è ancora chiuso" in skipped.skipped[0][1]
    for session in final:
        EvaluationSession.objects.filter(pk=session.pk).update(step=Step.MINUTES)
        services.session_lock(
            session=EvaluationSession.objects.get(pk=session.pk), user=cast.principal
        )
    StudentResultFactory(session=final[0], student=cast.child, outcome=Outcome.SUSPENDED)
    made = services.sessions_create(
        classrooms=[cast.classroom_1a, cast.classroom_2b], term=last,
        kind=SessionKind.SUPPLEMENTARY, user=cast.office,
    )  # fmt: skip
    assert [s.classroom for s in made.created] == [cast.classroom_1a]
    assert made.skipped == [(cast.classroom_2b, "nessun alunno con giudizio sospeso")]
    from campanella.evaluation.selectors import session_students

    assert list(session_students(made.created[0])) == [cast.child]


def test_a_deferred_session_takes_its_student_out_of_the_classroom_one(cast: Cast) -> None:
    from campanella.evaluation.selectors import session_students

    session = session_of(cast, SessionKind.FINAL)
    assert cast.child in session_students(session)
    deferred = services.session_defer(session=session, student=cast.child, user=cast.coordinator)
    assert deferred.kind == SessionKind.DEFERRED and deferred.student == cast.child
    assert cast.child not in session_students(session)
    assert list(session_students(deferred)) == [cast.child]
    assert services.session_defer(session=session, student=cast.child, user=cast.office) == deferred
    refused(services.session_defer, "invalid_session", session=session, student=cast.sibling,
            user=cast.coordinator)  # fmt: skip
    refused(services.session_defer, "not_allowed", session=session, student=cast.other_child,
            user=cast.teacher)  # fmt: skip


# --- steps ------------------------------------------------------------------------------------


def test_the_coordinator_advances_and_undoes_one_step_at_a_time_with_history(cast: Cast) -> None:
    session = session_of(cast)
    services.step_advance(session=session, user=cast.coordinator)
    assert session.step == Step.OPENING
    services.step_advance(session=session, user=cast.principal)
    assert session.step == Step.MARKS  # an intermediate session has no attendance check
    services.step_undo(session=session, user=cast.coordinator)
    assert EvaluationSession.objects.get(pk=session.pk).step == Step.OPENING
    steps_seen = [(c.before["step"], c.after["step"]) for c in record_history(session)]
    assert sorted(steps_seen) == sorted(
        [("proposte", "apertura"), ("apertura", "voti"), ("voti", "apertura")]
    )


def test_advancing_is_refused_with_the_problems_of_the_step(
    cast: Cast, own_checks: dict[int, list[str]]
) -> None:
    session = session_of(cast)
    own_checks[session.pk] = ["Mancano 2 proposte di Matematica."]
    error = refused(services.step_advance, "step_blocked", session=session, user=cast.coordinator)
    assert error.problems == ["Mancano 2 proposte di Matematica."]
    assert error.message == (
        "Non si può passare alla fase «apertura della seduta»: Mancano 2 proposte di Matematica."
    )
    # Going back needs nothing.
    moved_to(session, Step.OPENING)
    services.step_undo(session=session, user=cast.coordinator)
    assert session.step == Step.PROPOSALS


def test_steps_out_of_order_are_refused(cast: Cast) -> None:
    session = session_of(cast)
    error = refused(services.step_undo, "step_order", session=session, user=cast.coordinator)
    assert error.message == "Lo scrutinio è già alla prima fase."
    moved_to(session, Step.MINUTES)
    error = refused(services.step_advance, "step_order", session=session, user=cast.coordinator)
    assert "Chiudi lo scrutinio" in error.message
    moved_to(session, Step.OPENING)
    error = refused(services.session_lock, "step_blocked", session=session, user=cast.coordinator)
    assert "si chiude dalla fase «verbale e documenti»" in error.message
    moved_to(session, Step.OUTCOMES)  # not a step of an intermediate session
    error = refused(services.step_advance, "step_order", session=session, user=cast.coordinator)
    assert "non è prevista" in error.message


def test_a_stale_page_moves_nothing(cast: Cast) -> None:
    from campanella.audit.concurrency import AlreadyChanged

    session = session_of(cast)
    seen = EvaluationSession.objects.get(pk=session.pk)
    services.step_advance(session=session, user=cast.coordinator)
    with pytest.raises(AlreadyChanged):
        services.step_advance(session=seen, user=cast.coordinator)
    with pytest.raises(AlreadyChanged):
        services.step_undo(session=session, user=cast.coordinator, from_step=Step.PROPOSALS)
    assert EvaluationSession.objects.get(pk=session.pk).step == Step.OPENING


def test_only_the_leaders_move_steps(cast: Cast) -> None:
    session = session_of(cast, step=Step.OPENING)
    for user in (cast.teacher, cast.office, cast.other_teacher, cast.foreign_office,
                 cast.guardian, cast.outsider):  # fmt: skip
        for call in (services.step_advance, services.step_undo):
            error = refused(call, "not_allowed", session=session, user=user)
            assert "coordinatore" in error.message


# --- lock and reopen ---------------------------------------------------------------------------


def test_the_lock_closes_the_period_of_the_classroom_and_reopening_opens_it(cast: Cast) -> None:
    session = session_of(cast, step=Step.MINUTES)
    services.session_lock(session=session, user=cast.coordinator)
    session.refresh_from_db()
    assert session.is_locked and session.locked_by == cast.coordinator
    period = ClosedPeriod.objects.get()
    assert (period.classroom, period.start_date, period.end_date) == (
        cast.classroom_1a, session.term.start_date, session.term.end_date,
    )  # fmt: skip
    assert period.holder == f"evaluation.session:{session.pk}"
    assert "scrutinio intermedio del 1° trimestre" in period.reason
    for call in (services.step_advance, services.step_undo):
        error = refused(call, "session_locked", session=session, user=cast.coordinator)
        assert "solo il dirigente" in error.message
    refused(services.session_lock, "session_locked", session=session, user=cast.coordinator)

    services.session_reopen(session=session, user=cast.principal, reason="Errore nel voto di Rossi")
    session.refresh_from_db()
    assert (session.step, session.version, session.locked_at) == (Step.MINUTES, 2, None)
    assert not ClosedPeriod.objects.exists()
    last = record_history(session).order_by("-at", "-pk").first()
    assert last is not None and last.reason == "Errore nel voto di Rossi"
    assert last.actor == cast.principal


def test_the_final_session_closes_the_final_period(cast: Cast) -> None:
    session = session_of(cast, SessionKind.FINAL, step=Step.MINUTES)
    services.session_lock(session=session, user=cast.principal)
    period = ClosedPeriod.objects.get()
    assert (period.start_date, period.end_date) == (
        second_term(cast).start_date, second_term(cast).end_date,
    )  # fmt: skip


def test_the_lock_is_refused_with_any_step_problem(
    cast: Cast, own_checks: dict[int, list[str]]
) -> None:
    session = session_of(cast, step=Step.MINUTES)
    own_checks[session.pk] = ["Mancano 3 proposte di Italiano."]
    error = refused(services.session_lock, "step_blocked", session=session, user=cast.coordinator)
    assert "Proposte di voto: Mancano 3 proposte di Italiano." in error.problems
    assert error.message.startswith("Lo scrutinio non si può chiudere: ")


def test_only_the_principal_reopens_and_with_a_reason(cast: Cast) -> None:
    session = session_of(cast, step=Step.MINUTES)
    services.session_lock(session=session, user=cast.coordinator)
    for user in (cast.coordinator, cast.office, cast.teacher, cast.foreign_office, cast.outsider):
        error = refused(services.session_reopen, "not_allowed", session=session, user=user,
                        reason="Errore")  # fmt: skip
        assert error.message == "Solo il dirigente scolastico può riaprire uno scrutinio chiuso."
    error = refused(services.session_reopen, "reason_required", session=session,
                    user=cast.principal, reason="   ")  # fmt: skip
    assert error.message == "Indicare il motivo della riapertura."
    services.session_reopen(session=session, user=cast.principal, reason="Errore materiale")
    refused(services.session_reopen, "not_locked", session=session, user=cast.principal,
            reason="Di nuovo")  # fmt: skip


def test_a_deferred_session_locks_after_the_classroom_one(cast: Cast) -> None:
    main = session_of(cast, SessionKind.FINAL, step=Step.MINUTES)
    deferred = services.session_defer(session=main, student=cast.child, user=cast.coordinator)
    moved_to(deferred, Step.MINUTES)
    error = refused(services.session_lock, "step_order", session=deferred, user=cast.coordinator)
    assert "dopo lo scrutinio della classe" in error.message
    services.session_lock(session=main, user=cast.coordinator)
    services.session_lock(session=deferred, user=cast.coordinator)
    assert ClosedPeriod.objects.count() == 2


def test_not_allowed_is_a_session_error() -> None:
    assert issubclass(NotAllowed, SessionError)


def test_another_institutes_classroom_is_not_named_in_the_refusal(cast: Cast) -> None:
    """The pages and the API look classrooms up in the caller's institute first; the service
    itself does not name another institute's classroom either."""
    from campanella.people.models import Staff
    from tests.factories import SchoolYearFactory

    institute = Staff.objects.get(user=cast.foreign_office).institute
    school = SchoolFactory(institute=institute, name="Liceo B")
    foreign = ClassroomFactory(school=school, school_year=SchoolYearFactory(institute=institute),
                               year=4, section="K")  # fmt: skip
    error = refused(services.sessions_create, "invalid_session", term=first_term(cast),
                    kind=SessionKind.FINAL, classrooms=[cast.classroom_1a, foreign],
                    user=cast.office)  # fmt: skip
    assert foreign.name not in error.message
    assert error.message == (
        "Le classi devono essere della scuola e dell'anno del periodo scelto: classi non trovate."
    )
