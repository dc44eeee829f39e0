"""The sessions in the API: the list, one session, the moves and their refusals' codes."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from campanella.accounts.services import api_token_issue
from campanella.audit.models import Change
from campanella.evaluation.models import EvaluationSession, SessionKind, Step
from campanella.school.models import ClosedPeriod
from tests.conftest import Cast
from tests.evaluation.session_helpers import first_term, second_term, session_of
from tests.evaluation.test_session_pages import more_classrooms

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_checks")]

BASE = "/api/v1/evaluation-sessions"


def api(user: Any) -> Client:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


def test_the_list_is_what_the_login_sees(cast: Cast) -> None:
    mine = session_of(cast)
    EvaluationSession.objects.create(
        classroom=cast.classroom_2b, term=mine.term, kind=SessionKind.INTERMEDIATE
    )
    found = api(cast.coordinator).get(BASE).json()
    assert [s["id"] for s in found] == [mine.pk]
    assert found[0]["classroom"] == "1ª A" and found[0]["step"] == "proposte"
    assert found[0]["locked"] is False and found[0]["version"] == 1
    assert len(api(cast.office).get(BASE).json()) == 2
    assert api(cast.office).get(BASE, {"classroom_id": cast.classroom_2b.pk}).json()[0][
        "classroom"
    ] == ("2ª B")
    assert api(cast.foreign_office).get(BASE).json() == []


def test_one_session_has_its_steps_problems_and_what_the_login_may_do(
    cast: Cast, own_checks: dict[int, list[str]]
) -> None:
    session = session_of(cast, step=Step.OPENING)
    own_checks[session.pk] = ["Manca la data della seduta."]
    body = api(cast.coordinator).get(f"{BASE}/{session.pk}").json()
    assert [s["step"] for s in body["steps"]] == [
        "proposte", "apertura", "voti", "condotta", "educazione_civica", "verbale", "chiuso",
    ]  # fmt: skip
    assert [s["state"] for s in body["steps"]][:3] == ["done", "current", "todo"]
    assert body["problems"] == ["Manca la data della seduta."]
    assert (body["next_step"], body["previous_step"]) == ("voti", "proposte")
    assert body["may_lead"] is True and body["may_reopen"] is False
    assert api(cast.teacher).get(f"{BASE}/{session.pk}").json()["may_lead"] is False
    assert api(cast.other_teacher).get(f"{BASE}/{session.pk}").status_code == 404


def test_moves_and_their_refusals(cast: Cast, own_checks: dict[int, list[str]]) -> None:
    session = session_of(cast)
    coordinator = api(cast.coordinator)
    url = f"{BASE}/{session.pk}"
    moved = post(coordinator, f"{url}/advance", {"from_step": "proposte"})
    assert moved.status_code == 200 and moved.json()["step"] == "apertura"
    stale = post(coordinator, f"{url}/advance", {"from_step": "proposte"})
    assert (stale.status_code, stale.json()["code"]) == (409, "already_changed")
    own_checks[session.pk] = ["Manca il segretario."]
    blocked = post(coordinator, f"{url}/advance")
    assert blocked.status_code == 409
    assert blocked.json() == {
        "code": "step_blocked",
        "message": "Non si può passare alla fase «voti finali»: Manca il segretario.",
        "errors": [{"message": "Manca il segretario."}],
    }
    denied = post(api(cast.teacher), f"{url}/undo")
    assert (denied.status_code, denied.json()["code"]) == (403, "not_allowed")
    assert post(coordinator, f"{url}/undo").json()["step"] == "proposte"
    first = post(coordinator, f"{url}/undo")
    assert (first.status_code, first.json()["code"]) == (409, "step_order")
    assert post(coordinator, f"{url}/lock").json()["code"] == "step_blocked"
    invalid = post(coordinator, f"{url}/advance", {"from_step": "nessuna"})
    assert invalid.status_code == 422


def test_lock_and_reopen(cast: Cast) -> None:
    session = session_of(cast, step=Step.MINUTES)
    url = f"{BASE}/{session.pk}"
    locked = post(api(cast.coordinator), f"{url}/lock", {"from_step": "verbale"})
    assert locked.status_code == 200
    assert locked.json()["locked"] is True and locked.json()["locked_at"]
    assert ClosedPeriod.objects.filter(classroom=cast.classroom_1a).exists()
    again = post(api(cast.coordinator), f"{url}/lock")
    assert (again.status_code, again.json()["code"]) == (409, "session_locked")
    denied = post(api(cast.coordinator), f"{url}/reopen", {"reason": "Errore"})
    assert (denied.status_code, denied.json()["code"]) == (403, "not_allowed")
    assert (
        denied.json()["message"]
        == "Solo il dirigente scolastico può riaprire uno scrutinio chiuso."
    )
    principal = api(cast.principal)
    empty = post(principal, f"{url}/reopen", {"reason": " "})
    assert (empty.status_code, empty.json()["code"]) == (400, "reason_required")
    assert post(principal, f"{url}/reopen", {"reason": "x" * 301}).status_code == 422
    reopened = post(principal, f"{url}/reopen", {"reason": "Errore materiale"})
    assert reopened.status_code == 200
    assert (reopened.json()["step"], reopened.json()["version"]) == ("verbale", 2)
    assert not ClosedPeriod.objects.exists()
    twice = post(principal, f"{url}/reopen", {"reason": "Errore materiale"})
    assert (twice.status_code, twice.json()["code"]) == (409, "not_locked")


def test_the_list_costs_the_same_queries_for_more_sessions(cast: Cast) -> None:
    client = api(cast.office)
    more_classrooms(cast, 1)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(BASE).status_code == 200
        return len(captured)

    count()  # the token's first use is recorded once
    few = count()
    more_classrooms(cast, 4)
    assert count() == few


# --- opening sessions and postponing a student ------------------------------------------------


def rows() -> tuple[Any, ...]:
    """Everything opening or postponing could write, to compare before and after a refusal."""
    return (
        list(EvaluationSession.objects.order_by("pk").values_list()),
        ClosedPeriod.objects.count(),
        Change.objects.count(),
    )


def test_the_office_opens_sessions_through_the_api_and_again_keeps_them(cast: Cast) -> None:
    term = first_term(cast)  # the year's only period: the final one
    office = api(cast.office)
    body = {"term_id": term.pk, "kind": "finale", "classroom_ids": [cast.classroom_1a.pk]}
    first = post(office, BASE, body)
    assert first.status_code == 201, first.json()
    made = first.json()
    assert [s["classroom"] for s in made["created"]] == ["1ª A"]
    assert made["created"][0]["kind"] == "finale" and made["created"][0]["step"] == "proposte"
    assert made["existing"] == [] and made["skipped"] == []
    again = post(api(cast.principal), BASE, {**body, "classroom_ids": [], "all_classrooms": True})
    assert again.status_code == 201
    assert [s["classroom"] for s in again.json()["created"]] == ["2ª B"]
    assert [s["id"] for s in again.json()["existing"]] == [made["created"][0]["id"]]
    third = post(office, BASE, body)
    assert third.status_code == 200
    assert third.json()["created"] == [] and len(third.json()["existing"]) == 1
    assert EvaluationSession.objects.count() == 2
    assert Change.objects.filter(action="create").count() == 2


def test_opening_sessions_that_do_not_fit_is_refused_with_a_code_and_writes_nothing(
    cast: Cast,
) -> None:
    first = first_term(cast)
    last = second_term(cast)
    office = api(cast.office)
    one = {"classroom_ids": [cast.classroom_1a.pk]}
    before = rows()
    cases = [
        ({"term_id": first.pk, "kind": "finale", **one}, 400, "invalid_session",
         "Lo scrutinio finale e l'integrativo si tengono sull'ultimo periodo dell'anno, "
         f"non sul {first}."),
        ({"term_id": last.pk, "kind": "intermedio", **one}, 400, "invalid_session",
         f"Il {last} è l'ultimo periodo dell'anno: il suo è lo scrutinio finale."),
        ({"term_id": last.pk, "kind": "rinviato", **one}, 400, "invalid_session",
         "Uno scrutinio rinviato si apre per un alunno dalla pagina dello scrutinio della "
         "classe."),
        ({"term_id": last.pk, "kind": "finale", "classroom_ids": []}, 400, "invalid_session",
         "Scegliere almeno una classe."),
        ({"term_id": last.pk, "kind": "finale", "all_classrooms": True, **one}, 400,
         "invalid_session", "Indicare le classi scelte oppure tutte le classi, non entrambe."),
        ({"term_id": last.pk, "kind": "annuale", **one}, 422, "invalid_input",
         "Dati non validi."),
        ({"term_id": last.pk, "kind": "finale", "all_classrooms": 1}, 422, "invalid_input",
         "Dati non validi."),
    ]  # fmt: skip
    for body, status, code, message in cases:
        answer = post(office, BASE, body)
        assert (answer.status_code, answer.json()["code"]) == (status, code), body
        assert answer.json()["message"] == message
        assert rows() == before


def foreign_school(cast: Cast) -> tuple[Any, Any]:
    """Institute B (of the cast's foreign office): a period and a classroom of its own."""
    from campanella.people.models import Staff
    from tests.factories import ClassroomFactory, SchoolFactory, SchoolYearFactory, TermFactory

    institute = Staff.objects.get(user=cast.foreign_office).institute
    school = SchoolFactory(institute=institute, name="Liceo B")
    year = SchoolYearFactory(institute=institute)
    term = TermFactory(school=school, school_year=year)
    return term, ClassroomFactory(school=school, school_year=year, year=1, section="F")


def test_outsiders_naming_real_periods_and_classrooms_of_another_school_write_nothing(
    cast: Cast,
) -> None:
    """Valid bodies naming real objects: institute A's period and 1ª A for whoever may not
    open them, institute B's for institute A's office, and the two mixed."""
    term = first_term(cast)
    foreign_term, foreign_classroom = foreign_school(cast)
    ours = {"term_id": term.pk, "kind": "finale", "classroom_ids": [cast.classroom_1a.pk]}
    theirs = {"term_id": foreign_term.pk, "kind": "finale",
              "classroom_ids": [foreign_classroom.pk]}  # fmt: skip
    before = rows()
    refusals = [
        (cast.foreign_office, ours, 404),
        (cast.foreign_office, {**theirs, "classroom_ids": [cast.classroom_1a.pk]}, 404),
        (cast.foreign_office, {**ours, "all_classrooms": True, "classroom_ids": []}, 404),
        (cast.office, theirs, 404),
        (cast.office, {**ours, "classroom_ids": [cast.classroom_1a.pk, foreign_classroom.pk]},
         404),
        (cast.guardian, ours, 404),
        (cast.child_user, ours, 404),
        (cast.outsider, ours, 404),
        (cast.teacher, ours, 403),
        (cast.coordinator, ours, 403),
    ]  # fmt: skip
    for user, body, status in refusals:
        answer = post(api(user), BASE, body)
        assert answer.status_code == status, (user.username, body)
        assert foreign_classroom.name not in answer.content.decode() or user == cast.foreign_office
        if status == 403:
            assert answer.json() == {
                "code": "not_allowed",
                "message": "Solo la segreteria e il dirigente scolastico aprono gli scrutini.",
                "errors": [],
            }
        else:
            assert answer.json()["code"] == "not_found"
        assert rows() == before, (user.username, body)
    # The very bodies work for whom they belong to.
    assert post(api(cast.office), BASE, ours).status_code == 201
    assert post(api(cast.foreign_office), BASE, theirs).status_code == 201


def test_a_student_is_postponed_through_the_api(cast: Cast) -> None:
    session = session_of(cast, SessionKind.FINAL)
    url = f"{BASE}/{session.pk}/students/{cast.child.pk}/defer"
    answer = post(api(cast.coordinator), url)
    assert answer.status_code == 201, answer.json()
    deferred = answer.json()
    assert (deferred["kind"], deferred["student_id"]) == ("rinviato", cast.child.pk)
    assert deferred["step"] == "proposte" and deferred["id"] != session.pk
    again = post(api(cast.office), url)
    assert (again.status_code, again.json()["id"]) == (200, deferred["id"])
    assert EvaluationSession.objects.filter(kind=SessionKind.DEFERRED).count() == 1
    assert Change.objects.filter(action="create").count() == 1
    # From the postponed session itself: 400, it is not a classroom's session.
    own = post(api(cast.coordinator), f"{BASE}/{deferred['id']}/students/{cast.child.pk}/defer")
    assert (own.status_code, own.json()["code"]) == (400, "invalid_session")


def test_postponing_is_refused_to_outsiders_and_for_students_of_another_classroom(
    cast: Cast,
) -> None:
    session = session_of(cast, SessionKind.FINAL)
    _term, foreign_classroom = foreign_school(cast)
    from tests.factories import EnrollmentFactory, StudentFactory

    foreign_student = StudentFactory(institute=foreign_classroom.school.institute)
    EnrollmentFactory(student=foreign_student, classroom=foreign_classroom)
    child = f"{BASE}/{session.pk}/students/{cast.child.pk}/defer"
    before = rows()
    refusals = [
        (cast.foreign_office, child, 404),
        (cast.guardian, child, 404),
        (cast.child_user, child, 404),
        (cast.other_teacher, child, 404),
        (cast.teacher, child, 403),
        # Real students, not of this session: 2ª B's sibling, institute B's student.
        (cast.coordinator, f"{BASE}/{session.pk}/students/{cast.sibling.pk}/defer", 404),
        (cast.office, f"{BASE}/{session.pk}/students/{foreign_student.pk}/defer", 404),
    ]
    for user, url, status in refusals:
        answer = post(api(user), url)
        assert answer.status_code == status, (user.username, url)
        if status == 403:
            assert answer.json()["code"] == "not_allowed"
            assert answer.json()["message"] == (
                "Solo il coordinatore, la segreteria o il dirigente rinviano lo scrutinio."
            )
        assert rows() == before, (user.username, url)


def test_postponing_from_a_locked_session_is_409(cast: Cast) -> None:
    session = session_of(cast, SessionKind.FINAL, step=Step.MINUTES)
    post(api(cast.coordinator), f"{BASE}/{session.pk}/lock", {"from_step": "verbale"})
    before = rows()
    answer = post(api(cast.coordinator), f"{BASE}/{session.pk}/students/{cast.child.pk}/defer")
    assert (answer.status_code, answer.json()["code"]) == (409, "session_locked")
    assert answer.json()["message"] == (
        "Lo scrutinio è chiuso: solo il dirigente scolastico può riaprirlo."
    )
    assert rows() == before


def test_opening_costs_the_same_queries_for_more_classrooms(cast: Cast) -> None:
    from tests.factories import ClassroomFactory

    term = first_term(cast)
    office = api(cast.office)
    post(office, BASE, {"term_id": term.pk, "kind": "finale", "all_classrooms": True})

    def count(body: dict[str, Any]) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert post(office, BASE, body).status_code in (200, 201)
        return len(captured)

    body = {"term_id": term.pk, "kind": "finale", "all_classrooms": True}
    few = count(body)
    for n in range(4):
        ClassroomFactory(school=cast.school, school_year=term.school_year, year=4, section=f"Q{n}")
    opening = count(body)  # 4 created, 2 existing
    assert count(body) == few  # 6 existing
    ClassroomFactory(school=cast.school, school_year=term.school_year, year=5, section="Q")
    assert count(body) == opening  # 1 created, 6 existing: written in bulk
    assert opening <= few + 3
