"""The JSON API: tokens, /me, classrooms and students, errors as documented 4xx bodies."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campanella.accounts.models import ApiToken
from campanella.accounts.services import api_token_issue
from tests import factories as f
from tests.conftest import PASSWORD, Cast, guardian_of

pytestmark = pytest.mark.django_db


def bearer(user: Any) -> dict[str, str]:
    _token, raw = api_token_issue(user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_token_for_good_credentials(cast: Cast, client: Client) -> None:
    response = client.post(
        "/api/v1/auth/token",
        {"username": "guardian", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert me.status_code == 200
    # Only the digest is stored.
    assert not ApiToken.objects.filter(digest=body["token"]).exists()


def test_wrong_credentials_get_401_with_the_error_body(cast: Cast, client: Client) -> None:
    response = client.post(
        "/api/v1/auth/token",
        {"username": "guardian", "password": "no"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response.json() == {
        "code": "invalid_credentials",
        "message": (
            "Nome utente o password non corretti. Attenzione: le maiuscole contano nella password."
        ),
        "errors": [],
    }


def test_inactive_user_gets_no_token(cast: Cast, client: Client) -> None:
    cast.guardian.is_active = False
    cast.guardian.save()
    response = client.post(
        "/api/v1/auth/token",
        {"username": "guardian", "password": PASSWORD},
        content_type="application/json",
    )
    # The right password of an ended access: told so (issue 11, item 13), and no token.
    assert response.status_code == 403
    assert response.json()["code"] == "access_ended"
    assert "token" not in response.json()


def test_malformed_body_gets_422_with_the_error_body(client: Client) -> None:
    response = client.post("/api/v1/auth/token", {"username": "x"}, content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert any("password" in error["loc"] for error in body["errors"])
    broken = client.post("/api/v1/auth/token", "{not json", content_type="application/json")
    assert broken.status_code in {400, 422}
    assert "code" in broken.json()


@pytest.mark.parametrize(
    "path", ["/api/v1/me", "/api/v1/classrooms", "/api/v1/students/1", "/api/v1/classrooms/1"]
)
def test_no_token_or_bad_token_gets_401(client: Client, path: str) -> None:
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer nope"}):
        response = client.get(path, **headers)
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"


def test_expired_token_is_refused(cast: Cast, client: Client) -> None:
    token, raw = api_token_issue(user=cast.guardian)
    token.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    token.save()
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_revoked_token_is_refused(cast: Cast, client: Client) -> None:
    headers = bearer(cast.guardian)
    assert client.delete("/api/v1/auth/token", **headers).status_code == 204
    assert client.get("/api/v1/me", **headers).status_code == 401


def test_me_for_a_guardian_lists_both_children(cast: Cast, client: Client) -> None:
    body = client.get("/api/v1/me", **bearer(cast.guardian)).json()
    assert body["roles"] == ["guardian"]
    assert {s["id"] for s in body["students"]} == {cast.child.pk, cast.sibling.pk}
    classrooms = {s["classroom"]["name"] for s in body["students"]}
    assert classrooms == {"1ª A", "2ª B"}


def test_me_for_staff_and_students(cast: Cast, client: Client) -> None:
    teacher = client.get("/api/v1/me", **bearer(cast.coordinator)).json()
    assert teacher["roles"] == ["teacher", "coordinator"]
    assert teacher["students"] == []
    adult = client.get("/api/v1/me", **bearer(cast.adult_user)).json()
    assert adult["roles"] == ["student"]
    assert adult["students"][0]["is_adult"] is True
    assert client.get("/api/v1/me", **bearer(cast.outsider)).json()["roles"] == []


def test_me_queries_do_not_grow_with_children(cast: Cast, client: Client) -> None:
    headers = bearer(cast.guardian)
    client.get("/api/v1/me", **headers)  # the first use of a token records it
    with CaptureQueriesContext(connection) as before:
        client.get("/api/v1/me", **headers)
    for _ in range(4):
        student = f.EnrollmentFactory(classroom=cast.classroom_2b).student
        f.GuardianshipFactory(student=student, guardian=guardian_of(cast.child), relation="tutore")
    with CaptureQueriesContext(connection) as after:
        body = client.get("/api/v1/me", **headers).json()
    assert len(body["students"]) == 6
    assert len(after) == len(before)


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("office", {"1ª A", "2ª B"}),
        ("teacher", {"1ª A"}),
        ("other_teacher", {"2ª B"}),
        ("guardian", set()),
        ("outsider", set()),
    ],
)
def test_classroom_list_is_scoped(cast: Cast, client: Client, who: str, visible: set[str]) -> None:
    body = client.get("/api/v1/classrooms", **bearer(getattr(cast, who))).json()
    assert {c["name"] for c in body} == visible


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("teacher", 200),
        ("principal", 200),
        ("other_teacher", 404),
        ("guardian", 404),
        ("child_user", 404),
        ("outsider", 404),
        ("foreign_office", 404),
    ],
)
def test_classroom_detail_refuses_the_wrong_people(
    cast: Cast, client: Client, who: str, status: int
) -> None:
    response = client.get(
        f"/api/v1/classrooms/{cast.classroom_1a.pk}", **bearer(getattr(cast, who))
    )
    assert response.status_code == status
    if status == 404:
        assert response.json()["code"] == "not_found"
    else:
        assert {s["id"] for s in response.json()["students"]} == {
            cast.child.pk,
            cast.adult_student.pk,
            cast.other_child.pk,
        }


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("guardian", 200),
        ("child_user", 200),
        ("teacher", 200),
        ("office", 200),
        ("other_guardian", 404),
        ("adult_user", 404),
        ("other_teacher", 404),
        ("outsider", 404),
        ("foreign_office", 404),
    ],
)
def test_student_detail_refuses_the_wrong_people(
    cast: Cast, client: Client, who: str, status: int
) -> None:
    response = client.get(f"/api/v1/students/{cast.child.pk}", **bearer(getattr(cast, who)))
    assert response.status_code == status
    if status == 200:
        assert response.json()["classroom"]["name"] == "1ª A"


def test_classroom_list_queries_do_not_grow(cast: Cast, client: Client) -> None:
    headers = bearer(cast.office)
    client.get("/api/v1/me", **headers)  # the first use of a token records it
    with CaptureQueriesContext(connection) as before:
        client.get("/api/v1/classrooms", **headers)
    for _ in range(5):
        f.ClassroomFactory(school=cast.school, school_year=cast.classroom_1a.school_year)
    with CaptureQueriesContext(connection) as after:
        assert len(client.get("/api/v1/classrooms", **headers).json()) == 7
    assert len(after) == len(before)


def test_openapi_documents_every_operation_and_the_error_body(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert "ErrorOut" in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert codes & {"200", "201", "202", "204"}, (method, path)  # its success, documented
            if path != "/api/v1/auth/token" or method != "post":
                assert "401" in codes, (method, path)
