"""The OpenAPI schema says what the API accepts and answers (issue 10, finding 11).

Dates are "AAAA-MM-GG" and nothing else (not a Unix time such as 0), booleans are true/false
(not 0/1), local times are "HH:MM[:SS]" described by a pattern (not `format: time`, which
requires an offset), every refusal an operation can give is documented with the error body,
and the grade book's rows are students, named so.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from campanella.accounts.services import api_token_issue
from campanella.lib.api_types import CLOCK_PATTERN
from tests.conftest import Cast, school_day

pytestmark = pytest.mark.django_db


def api(user: Any) -> Client:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, body, content_type="application/json")


def assert_refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.content[:300]
    body = response.json()
    assert body["code"] == "invalid_input"
    assert any(field in error["loc"] for error in body["errors"]), body


@pytest.mark.parametrize("day", ["0", "1700000000", "20261123", "2026-13-01"])
def test_a_day_in_the_path_is_an_iso_date(cast: Cast, day: str) -> None:
    response = api(cast.teacher).get(f"/api/v1/classrooms/{cast.classroom_1a.pk}/register/{day}")
    assert_refused(response, "day")


@pytest.mark.parametrize("value", [0, 1700000000, "0", "23/11/2026"])
def test_a_date_in_a_body_is_an_iso_date(cast: Cast, value: Any) -> None:
    url = f"/api/v1/classrooms/{cast.classroom_1a.pk}/notes"
    response = post(api(cast.teacher), url, {"date": value, "text": "Disturba"})
    assert_refused(response, "date")


@pytest.mark.parametrize("value", [0, 1, "false", "no", None])
def test_a_boolean_is_true_or_false(cast: Cast, value: Any) -> None:
    teacher = api(cast.teacher)
    url = f"/api/v1/classrooms/{cast.classroom_1a.pk}/annotations"
    day = school_day(cast).isoformat()
    response = post(teacher, url, {"date": day, "text": "x", "visible_to_family": value})
    assert_refused(response, "visible_to_family")
    grades = f"/api/v1/classrooms/{cast.classroom_1a.pk}/subjects/{cast.maths.pk}/grades"
    body = {"student_id": cast.child.pk, "date": day, "kind": "orale", "grade": "7"}
    assert_refused(post(teacher, grades, {**body, "counts_in_average": value}), "counts_in_average")
    ok = post(teacher, url, {"date": day, "text": "x", "visible_to_family": False})
    assert ok.status_code == 200


@pytest.mark.parametrize("value", [0, 28800, "8", "8:10", "08:10+01:00", "25:00", "08:10:00.5"])
def test_a_time_in_a_body_is_hours_and_minutes(cast: Cast, value: Any) -> None:
    day = school_day(cast).isoformat()
    url = f"/api/v1/classrooms/{cast.classroom_1a.pk}/register/{day}/late-entries"
    response = post(api(cast.teacher), url, {"student_id": cast.child.pk, "time": value})
    assert_refused(response, "time")


def test_times_answered_match_the_schema(cast: Cast) -> None:
    teacher = api(cast.teacher)
    day = school_day(cast).isoformat()
    url = f"/api/v1/classrooms/{cast.classroom_1a.pk}/register/{day}"
    entered = post(teacher, f"{url}/late-entries", {"student_id": cast.child.pk, "time": "08:10"})
    assert entered.status_code == 200, entered.content
    page = teacher.get(url).json()
    times = [h["start"] for h in page["hours"]] + [h["end"] for h in page["hours"]]
    times += [s["late_entry"] for s in page["students"] if s["late_entry"]]
    assert "08:10:00" in times
    assert all(re.fullmatch(CLOCK_PATTERN, t) for t in times), times


def test_the_schema_never_claims_format_time(client: Client) -> None:
    text = client.get("/api/v1/openapi.json").content.decode()
    assert '"format": "time"' not in text
    assert '"format":"time"' not in text


def test_the_grade_book_rows_are_students(cast: Cast, client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    path = "/api/v1/classrooms/{classroom_id}/subjects/{subject_id}/grades"
    ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    ref = ok["schema"]["items"]["$ref"].rsplit("/", 1)[1]
    row = schema["components"]["schemas"][ref]["properties"]
    assert {"student_id", "student", "average", "grades"} == set(row)
    teacher = api(cast.teacher)
    day = timezone.localdate().isoformat()
    url = f"/api/v1/classrooms/{cast.classroom_1a.pk}/subjects/{cast.maths.pk}/grades"
    post(teacher, url, {"student_id": cast.child.pk, "date": day, "kind": "orale", "grade": "7"})
    rows = {r["student_id"]: r for r in teacher.get(url).json()}
    assert rows[cast.child.pk]["student"] == cast.child.full_name
    assert [g["subject"] for g in rows[cast.child.pk]["grades"]] == ["Matematica"]


def test_every_refusal_is_documented_with_the_error_body(client: Client) -> None:
    """An operation with parameters or a body documents 422; with a path parameter, 404;
    with a body, 400 (not JSON); every 4xx has the ErrorOut body."""
    schema = client.get("/api/v1/openapi.json").json()
    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            needed = set()
            if operation.get("parameters") or operation.get("requestBody"):
                needed.add("422")
            if any(p["in"] == "path" for p in operation.get("parameters", [])):
                needed.add("404")
            if operation.get("requestBody"):
                needed.add("400")
            if operation.get("security", schema.get("security")) != []:
                needed.add("401")
            missing += [f"{method} {path} {s}" for s in sorted(needed - set(responses))]
            for status, response in responses.items():
                if status.startswith("4"):
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorOut"), (method, path, status)
    assert missing == []


def test_a_body_that_is_not_json_gets_400_with_the_error_body(cast: Cast) -> None:
    url = f"/api/v1/classrooms/{cast.classroom_1a.pk}/notes"
    response = api(cast.teacher).post(url, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_json",
        "message": "Il corpo della richiesta non è un JSON valido.",
        "errors": [],
    }


@pytest.mark.parametrize("field", ["text", "reason"])
def test_text_with_a_nul_character_is_refused(cast: Cast, field: str) -> None:
    """PostgreSQL cannot store NUL: refused as input, not a 500 at the database."""
    teacher = api(cast.teacher)
    day = school_day(cast).isoformat()
    if field == "text":
        url = f"/api/v1/classrooms/{cast.classroom_1a.pk}/notes"
        response = post(teacher, url, {"date": day, "text": "a\x00b"})
    else:
        url = f"/api/v1/classrooms/{cast.classroom_1a.pk}/register/{day}/off-site"
        response = post(teacher, url, {"student_id": cast.child.pk, "reason": "a\x00b"})
    assert_refused(response, field)


def test_text_longer_than_its_column_is_refused(cast: Cast) -> None:
    """PostgreSQL refuses a value longer than a varchar: refused as input, not a 500."""
    day = school_day(cast).isoformat()
    url = f"/api/v1/students/{cast.child.pk}/justifications"
    body = {"kind": "assenza", "start_date": day, "reason": "x" * 301}
    assert_refused(post(api(cast.guardian), url, body), "reason")
