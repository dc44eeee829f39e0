"""The council's API: the leader reads and writes final marks, behaviour, outcomes and credits;
refusals are 404 (not the leader), 409 (wrong step, locked) and 422 (the rules), each with a
stable code, and write nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from campanella.accounts.services import api_token_issue
from campanella.audit.models import Change
from campanella.evaluation import documents
from campanella.evaluation.models import (
    Deliberation,
    EvaluationSession,
    Step,
    StudentResult,
    SubjectMark,
)
from campanella.people.models import User
from tests.conftest import Cast
from tests.evaluation.council_support import at_step, completed, council_session, decide, opened

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def api(user: User) -> Client:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def base(session: EvaluationSession) -> str:
    return f"/api/v1/evaluation-sessions/{session.pk}"


def counts() -> tuple[int, ...]:
    return (
        SubjectMark.objects.count(),
        StudentResult.objects.count(),
        Deliberation.objects.count(),
        Change.objects.count(),
    )


def test_the_leader_writes_and_reads_final_marks(cast: Cast) -> None:
    session = opened(council_session(cast, step=Step.MARKS), cast)
    client = api(cast.coordinator)
    answer = client.put(
        f"{base(session)}/final-marks",
        {"marks": [{"student_id": cast.child.pk, "subject_id": cast.maths.pk, "mark": "5"}]},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json() == {"changed": 1, "deliberations": 1}
    marks = client.get(f"{base(session)}/final-marks").json()["marks"]
    assert marks == [
        {
            "student_id": cast.child.pk,
            "subject_id": cast.maths.pk,
            "proposed": "",
            "final": "5",
            "debt": True,
        }
    ]


@pytest.mark.parametrize(
    ("mark", "code"),
    [("11", "mark_out_of_range"), ("sei", "mark_invalid"), ("6,5", "mark_not_whole")],
)
def test_a_mark_out_of_scale_is_422_with_its_code(cast: Cast, mark: str, code: str) -> None:
    session = opened(council_session(cast, step=Step.MARKS), cast)
    before = counts()
    answer = api(cast.coordinator).put(
        f"{base(session)}/final-marks",
        {"marks": [{"student_id": cast.child.pk, "subject_id": cast.maths.pk, "mark": mark}]},
        content_type="application/json",
    )
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == code
    assert body["errors"][0]["student_id"] == cast.child.pk
    assert "Matematica" in body["message"]
    assert counts() == before


def test_a_write_at_another_step_is_409_wrong_step_and_a_locked_one_409_locked(cast: Cast) -> None:
    session = opened(council_session(cast, step=Step.OPENING), cast)
    body = {"entries": [{"student_id": cast.child.pk, "mark": "8", "reason": "Corretto"}]}
    client = api(cast.coordinator)
    before = counts()
    answer = client.put(f"{base(session)}/behaviour", body, content_type="application/json")
    assert (answer.status_code, answer.json()["code"]) == (409, "wrong_step")
    at_step(session, Step.LOCKED)
    answer = client.put(f"{base(session)}/behaviour", body, content_type="application/json")
    assert (answer.status_code, answer.json()["code"]) == (409, "session_locked")
    assert counts() == before


def test_behaviour_five_and_admitted_is_422(cast: Cast) -> None:
    session = opened(council_session(cast, step=Step.OUTCOMES), cast)
    decide(session, cast, behaviour=5)
    before = counts()
    answer = api(cast.coordinator).put(
        f"{base(session)}/outcomes",
        {"entries": [{"student_id": cast.child.pk, "outcome": "ammesso"}]},
        content_type="application/json",
    )
    assert (answer.status_code, answer.json()["code"]) == (422, "behaviour_not_admitted")
    assert counts() == before


def test_a_suspension_with_its_debts_through_the_api(cast: Cast) -> None:
    session = opened(council_session(cast, step=Step.OUTCOMES), cast)
    decide(session, cast, marks={cast.child: (4, 7)})
    client = api(cast.coordinator)
    answer = client.put(
        f"{base(session)}/outcomes",
        {
            "entries": [
                {
                    "student_id": cast.child.pk,
                    "outcome": "sospeso",
                    "recovery": [{"subject_id": cast.maths.pk, "mode": "corso", "gaps": "Algebra"}],
                    "against": [],
                }
            ]
        },
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.json()
    outcome = next(
        o
        for o in client.get(f"{base(session)}/outcomes").json()
        if o["student_id"] == cast.child.pk
    )
    assert outcome["outcome"] == "sospeso" and outcome["debts"] == [cast.maths.pk]


def test_a_credit_outside_the_band_is_422_and_inside_it_is_kept(cast: Cast) -> None:
    session = opened(council_session(cast, step=Step.CREDITS, year=3), cast)
    decide(session, cast, behaviour=9)
    StudentResult.objects.filter(session=session).update(outcome="ammesso")
    client = api(cast.coordinator)
    before = counts()
    answer = client.put(
        f"{base(session)}/credits",
        {"entries": [{"student_id": cast.child.pk, "credit": 13}]},
        content_type="application/json",
    )
    assert (answer.status_code, answer.json()["code"]) == (422, "credit_out_of_band")
    assert counts() == before
    answer = client.put(
        f"{base(session)}/credits",
        {"entries": [{"student_id": cast.child.pk, "credit": 10, "criteria_met": True}]},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.json()
    credit = next(
        c for c in client.get(f"{base(session)}/credits").json() if c["student_id"] == cast.child.pk
    )
    assert (credit["credit"], credit["total"]) == (10, 10)


def test_who_does_not_lead_gets_404_for_the_councils_data(cast: Cast) -> None:
    session = opened(council_session(cast, step=Step.MARKS), cast)
    before = counts()
    body = {"marks": [{"student_id": cast.child.pk, "subject_id": cast.maths.pk, "mark": "7"}]}
    for user in (cast.teacher, cast.office, cast.other_teacher, cast.guardian, cast.foreign_office):
        client = api(user)
        assert client.get(f"{base(session)}/final-marks").status_code == 404
        put = client.put(f"{base(session)}/final-marks", body, content_type="application/json")
        assert (put.status_code, put.json()["code"]) == (404, "not_found")
    assert counts() == before
    assert api(cast.principal).get(f"{base(session)}/final-marks").status_code == 200


def test_documents_are_listed_and_downloaded_by_whom_they_concern(cast: Cast) -> None:
    session = completed(cast)
    documents.documents_generate(user=cast.coordinator, session=session)
    listed = api(cast.office).get(f"{base(session)}/documents").json()
    assert {d["kind"] for d in listed} >= {"verbale", "tabellone", "firme", "lettere_debito"}
    minutes = next(d for d in listed if d["kind"] == "verbale")
    download = api(cast.teacher).get(minutes["url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    teacher_kinds = {d["kind"] for d in api(cast.teacher).get(f"{base(session)}/documents").json()}
    assert teacher_kinds == {"verbale", "tabellone"}
    letter = next(d for d in listed if d["kind"] == "lettere_debito")
    assert api(cast.teacher).get(letter["url"]).status_code == 404
    assert api(cast.guardian).get(f"{base(session)}/documents").status_code == 404
