"""Every list of /api/v1/ is read in pages (issue 16, item 3): `limit` and `offset`; an array
answer stays the array (the page of it) with `X-Total-Count` and `Link` headers, an envelope
says its total in the body. Walking the pages gives the whole list, once."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from campanella.accounts.services import api_token_issue
from campanella.api.api import api as ninja_api
from campanella.grades.services import grade_add
from campanella.lib.api_lists import DEFAULT_LIMIT, MAX_LIMIT
from tests import factories as f
from tests.conftest import Cast

pytestmark = pytest.mark.django_db
LINK = re.compile(r'<([^>]+)>; rel="([a-z]+)"')


def api(user: Any) -> Client:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def links(response: Any) -> dict[str, str]:
    return {relation: url for url, relation in LINK.findall(response.headers["Link"])}


def walk(client: Client, url: str, limit: int) -> tuple[list[Any], int]:
    """Every page from the first, following `next`: the items in order, and the pages read."""
    sep = "&" if "?" in url else "?"
    response = client.get(f"{url}{sep}limit={limit}")
    items: list[Any] = []
    pages = 0
    while True:
        assert response.status_code == 200, response.content[:300]
        page = response.json()
        assert isinstance(page, list) and len(page) <= limit
        items += page
        pages += 1
        following = links(response).get("next")
        if following is None:
            return items, pages
        response = client.get(following)


def whole(client: Client, url: str) -> Any:
    sep = "&" if "?" in url else "?"
    response = client.get(f"{url}{sep}limit={MAX_LIMIT}")
    assert response.status_code == 200
    return response


def get_operations() -> list[tuple[str, dict[str, Any]]]:
    document = ninja_api.get_openapi_schema()
    return [
        (path, operations["get"])
        for path, operations in document["paths"].items()
        if "get" in operations
    ]


def answer_schema(operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation["responses"].get(200, {}).get("content", {})
    found = content.get("application/json", {}).get("schema")
    return dict(found) if found is not None else None


def query_names(operation: dict[str, Any]) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}


def test_every_get_answering_an_array_takes_limit_and_offset_and_says_the_total() -> None:
    arrays = 0
    for path, operation in get_operations():
        schema = answer_schema(operation)
        if schema is None or schema.get("type") != "array":
            continue
        arrays += 1
        assert {"limit", "offset"} <= query_names(operation), path
        limit = next(p for p in operation["parameters"] if p["name"] == "limit")["schema"]
        assert (limit.get("maximum"), limit.get("default")) == (MAX_LIMIT, DEFAULT_LIMIT), path
        headers = operation["responses"][200].get("headers", {})
        assert {"X-Total-Count", "Link"} <= set(headers), path
    assert arrays >= 15  # the lists of classrooms, grades, the council, documents, meetings…


def test_every_get_answering_an_envelope_takes_limit_and_offset() -> None:
    components = ninja_api.get_openapi_schema()["components"]["schemas"]
    envelopes = 0
    for path, operation in get_operations():
        schema = answer_schema(operation) or {}
        name = schema.get("$ref", "").rsplit("/", 1)[-1]
        fields = components.get(name, {}).get("properties", {})
        if fields.get("items", {}).get("type") != "array":
            continue
        envelopes += 1
        assert {"limit", "offset"} <= query_names(operation), path
        assert {"count", "total"} & set(fields), path
    assert envelopes >= 5  # notices, messages, slots, bookings, materials, notifications


def test_the_description_of_the_api_says_how_lists_are_paged() -> None:
    description = ninja_api.get_openapi_schema()["info"]["description"]
    assert "X-Total-Count" in description and "`limit`" in description


def test_walking_the_classrooms_gives_every_classroom_once(cast: Cast) -> None:
    for n in range(5):
        f.ClassroomFactory(
            school=cast.school,
            school_year=cast.classroom_1a.school_year,
            year=3,
            section="CDEFG"[n],
        )
    principal = api(cast.principal)
    everything = whole(principal, "/api/v1/classrooms")
    expected = everything.json()
    assert everything.headers["X-Total-Count"] == str(len(expected)) == "7"
    for limit in (1, 2, 3, 7):
        items, pages = walk(principal, "/api/v1/classrooms", limit)
        assert items == expected
        assert pages == -(-len(expected) // limit)


def test_walking_the_grade_book_gives_every_student_once(cast: Cast) -> None:
    for student in (cast.child, cast.adult_student, cast.other_child):
        grade_add(
            user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths, student=student,
            day=timezone.localdate(), kind="orale", text="7",
        )  # fmt: skip
    teacher = api(cast.teacher)
    url = f"/api/v1/classrooms/{cast.classroom_1a.pk}/subjects/{cast.maths.pk}/grades"
    expected = whole(teacher, url).json()
    assert len(expected) == 3
    for limit in (1, 2):
        assert walk(teacher, url, limit)[0] == expected


def test_walking_the_teachers_and_subjects(cast: Cast) -> None:
    for user, url in (
        (cast.guardian, f"/api/v1/classrooms/{cast.classroom_1a.pk}/teachers"),
        (cast.teacher, f"/api/v1/classrooms/{cast.classroom_1a.pk}/subjects"),
    ):
        client = api(user)
        expected = whole(client, url).json()
        assert len(expected) == 2
        assert walk(client, url, 1)[0] == expected


def test_the_links_of_a_middle_page_keep_the_other_parameters(cast: Cast) -> None:
    for n in range(4):
        f.ClassroomFactory(
            school=cast.school, school_year=cast.classroom_1a.school_year, year=4, section="HIJK"[n]
        )
    response = api(cast.principal).get("/api/v1/classrooms?limit=2&offset=2")
    assert response.status_code == 200
    assert len(response.json()) == 2
    assert response.headers["X-Total-Count"] == "6"
    found = links(response)
    assert found["first"] == "/api/v1/classrooms?limit=2&offset=0"
    assert found["prev"] == "/api/v1/classrooms?limit=2&offset=0"
    assert found["next"] == "/api/v1/classrooms?limit=2&offset=4"
    assert found["last"] == "/api/v1/classrooms?limit=2&offset=4"
    sessions = api(cast.principal).get(
        f"/api/v1/evaluation-sessions?classroom_id={cast.classroom_1a.pk}&limit=1"
    )
    assert sessions.status_code == 200
    assert f"classroom_id={cast.classroom_1a.pk}" in links(sessions)["first"]


def test_past_the_end_is_an_empty_page_with_the_total(cast: Cast) -> None:
    response = api(cast.principal).get("/api/v1/classrooms?offset=50")
    assert response.status_code == 200
    assert response.json() == []
    assert response.headers["X-Total-Count"] == "2"
    assert "next" not in links(response)


@pytest.mark.parametrize(
    "query", ["limit=0", f"limit={MAX_LIMIT + 1}", "offset=-1", "limit=abc", "offset=99999999999"]
)
def test_a_limit_or_offset_out_of_bounds_is_refused(cast: Cast, query: str) -> None:
    response = api(cast.principal).get(f"/api/v1/classrooms?{query}")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
