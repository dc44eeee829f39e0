"""Every URL and every API operation is listed here with what an outsider gets.

A new route without an entry fails this test: whoever adds a page must say who is refused.
The outsider is a logged-in user with no role. Pages read with a GET; a POST-only page and an
API write are sent with the valid body of their PAGE_WRITES / API_WRITES entry, on a real
object, and must write nothing (a GET answered 405, or an empty body answered 422, would prove
nothing). Another family, another class's teacher, a student and another institute's office
are refused every write in tests/test_outsiders_cannot_write.py.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from campanella.accounts.services import api_token_issue
from tests.conftest import Cast
from tests.routes import posted
from tests.test_outsiders_cannot_write import (
    API_WRITES,
    PAGE_WRITES,
    send,
    shared_handler,
    snapshot,
)

pytestmark = pytest.mark.django_db

APP_TABLES = [
    "accounts", "people", "interop", "register", "grades", "evaluation", "reportcards", "classdocs",
    "comms",
]  # fmt: skip


def merged(attribute: str) -> dict[Any, Any]:
    table: dict[Any, Any] = {}
    for app in APP_TABLES:
        module = importlib.import_module(f"tests.{app}.routes")
        entries = getattr(module, attribute)
        assert not set(entries) & set(table), f"route listed twice: {set(entries) & set(table)}"
        table.update(entries)
    return table


PAGES = merged("PAGES")
API = merged("API")


def named_routes() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in {"admin", "api-v1"}:
                    continue  # covered by test_office_site and the API table below
                walk(
                    pattern.url_patterns,
                    f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace,
                )
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns, "")
    return names


def test_every_page_is_in_the_table() -> None:
    assert named_routes() == set(PAGES)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_outsider_and_anonymous_are_refused(cast: Cast, name: str) -> None:
    kwargs, outsider_status, anonymous_status = PAGES[name]
    if kwargs is posted:
        write = PAGE_WRITES[name](cast)
        outsider = cast.client_for(cast.outsider)
        outsider.handler = shared_handler(outsider)
        before = snapshot(write)
        body = write.outsider_body or write.body
        assert send(outsider, "post", write.url, body, api=False).status_code == outsider_status
        assert send(Client(), "post", write.url, body, api=False).status_code == anonymous_status
        assert snapshot(write) == before
        return
    url = reverse(name, kwargs=kwargs(cast))
    assert cast.client_for(cast.outsider).get(url).status_code == outsider_status
    assert Client().get(url).status_code == anonymous_status


def test_every_api_operation_is_in_the_table(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    operations = {(method, path) for path, ops in schema["paths"].items() for method in ops}
    assert operations == set(API)


@pytest.mark.parametrize(("method", "path"), sorted(API))
def test_api_refuses_outsiders_and_anonymous(cast: Cast, method: str, path: str) -> None:
    _token, raw = api_token_issue(user=cast.outsider)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    if (method, path) in API_WRITES:
        write = API_WRITES[(method, path)](cast)
        before = snapshot(write)
        body = write.outsider_body or write.body
        assert send(client, method, write.url, body, api=True).status_code == API[(method, path)]
        if (method, path) != ("post", "/api/v1/auth/token"):
            assert send(Client(), method, write.url, body, api=True).status_code == 401
        assert snapshot(write) == before
        return
    url = (
        path.replace("{classroom_id}", str(cast.classroom_1a.pk))
        .replace("{student_id}", str(cast.child.pk))
        .replace("{day}", "2026-11-23")
        .replace("{subject_id}", str(cast.maths.pk))
    )
    if "{session_id}" in url:  # a scrutinio of 1A (tests/evaluation/routes.py)
        from tests.evaluation.routes import a_session

        url = url.replace("{session_id}", str(a_session(cast).pk))
    for app in APP_TABLES:  # the ids of real objects an app's paths name ({session_id}…)
        ids = getattr(importlib.import_module(f"tests.{app}.routes"), "API_IDS", None)
        for placeholder, value in (ids(cast) if ids else {}).items():
            url = url.replace(placeholder, str(value))
    response = client.get(url)
    assert method == "get"
    assert response.status_code == API[(method, path)]
    if path == "/api/v1/classrooms":
        assert response.json() == []
    if path == "/api/v1/me":
        assert response.json()["students"] == []
    assert Client().get(url).status_code == 401
