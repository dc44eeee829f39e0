"""The sessions in the API: the list, one session, the moves and their refusals' codes."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from campanella.accounts.services import api_token_issue
from campanella.evaluation.models import EvaluationSession, SessionKind, Step
from campanella.school.models import ClosedPeriod
from tests.conftest import Cast
from tests.evaluation.session_helpers import session_of
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
