"""Every write is refused to outsiders, with a valid body on a real object, and writes nothing.

For each page that accepts POST and each API write (POST/PUT/PATCH/DELETE under /api/v1/), the
app's tests/<app>/routes.py gives a `Write`: the URL of a real object of classroom 1A, of the
guardian's child or of institute A; a body that is valid; the user for whom that same request
succeeds; and the outsiders (another class's teacher, another family, a student, another
institute's office, …) for whom it must be refused. The test sends it as each outsider and
checks the refusal and that the watched rows (and the audit trail) did not change; then sends it
as the rightful user and checks that they did change, which proves the body would have written.

A page that accepts POST or an API write without an entry fails `test_every_write_is_listed`.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db.models import Model, QuerySet
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from campanella.accounts.services import api_token_issue
from campanella.audit.models import Change
from campanella.people.models import User
from tests.conftest import Cast
from tests.routes import Probe, SelfServiceTable, Write, WriteBuilder

pytestmark = pytest.mark.django_db

APP_TABLES = [
    "accounts", "people", "interop", "register", "grades", "evaluation", "reportcards", "classdocs",
    "comms",
]  # fmt: skip
API_WRITE_METHODS = {"post", "put", "patch", "delete"}


def merged(attribute: str) -> dict[Any, Any]:
    table: dict[Any, Any] = {}
    for app in APP_TABLES:
        entries = getattr(importlib.import_module(f"tests.{app}.routes"), attribute)
        assert not set(entries) & set(table), f"listed twice: {set(entries) & set(table)}"
        table.update(entries)
    return table


PAGE_WRITES: dict[str, WriteBuilder] = merged("PAGE_WRITES")
API_WRITES: dict[tuple[str, str], WriteBuilder] = merged("API_WRITES")
SELF_SERVICE: SelfServiceTable = merged("SELF_SERVICE")


# --- which pages accept POST -----------------------------------------------------------------


def accepts_post(callback: Callable[..., Any]) -> bool:
    """A class-based view with a `post` handler, a view behind require_POST (or any
    require_http_methods naming POST), or a function view that reads request.POST/method."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return "post" in view_class.http_method_names and hasattr(view_class, "post")
    function: Any = callback
    while function is not None:
        names = getattr(getattr(function, "__code__", None), "co_freevars", ())
        for name, cell in zip(names, function.__closure__ or (), strict=False):
            if name == "request_method_list":
                return "POST" in cell.cell_contents
        function = getattr(function, "__wrapped__", None)
    source = inspect.getsource(inspect.unwrap(callback))
    return "request.POST" in source or "request.method" in source


def posting_pages() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in {"admin", "api-v1"}:
                    continue  # the office's admin: tests/people/test_office_site.py
                walk(
                    pattern.url_patterns,
                    f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace,
                )
            elif isinstance(pattern, URLPattern) and pattern.name:
                if accepts_post(pattern.callback):
                    names.add(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns, "")
    return names


def test_every_write_is_listed(client: Client) -> None:
    pages = posting_pages()
    assert pages == set(PAGE_WRITES) | set(SELF_SERVICE), (
        "a page accepting POST needs a PAGE_WRITES (or SELF_SERVICE) entry in tests/<app>/routes.py"
    )
    assert not set(PAGE_WRITES) & set(SELF_SERVICE)
    schema = client.get("/api/v1/openapi.json").json()
    writes = {
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in API_WRITE_METHODS
    }
    assert writes == set(API_WRITES), "an API write needs an API_WRITES entry"


def test_the_post_detection_sees_both_kinds_of_views() -> None:
    """The guard above must not pass by detecting nothing."""
    pages = posting_pages()
    assert {"accounts:login", "register:sign", "grades:detail", "interop:upload"} <= pages
    assert not {"accounts:home", "register:class_day", "grades:book"} & pages


# --- the writes ------------------------------------------------------------------------------


def rows(probe: Probe | type[Change]) -> tuple[str, int, str]:
    """A table (or some of its rows, or a computed value) as a count and a hash."""
    if isinstance(probe, type) and issubclass(probe, Model):
        probe = probe._base_manager.all()
    if isinstance(probe, QuerySet):
        values = list(probe.order_by("pk").values_list())
        label = probe.model._meta.label
    else:
        value = probe()  # type: ignore[operator]
        values = list(value) if isinstance(value, list | tuple) else [value]
        label = getattr(probe, "__qualname__", "probe")
    return label, len(values), hashlib.sha256(repr(values).encode()).hexdigest()


def snapshot(write: Write) -> list[tuple[str, int, str]]:
    return [rows(probe) for probe in (*write.watch, Change)]


def page_client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def api_client(user: User | None) -> Client:
    if user is None:
        return Client()
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def files_in(body: dict[str, Any]) -> list[Any]:
    """The uploaded files of a body: a field's value or each item of a list (several files)."""
    values = [item for v in body.values() for item in (v if isinstance(v, list) else [v])]
    return [value for value in values if hasattr(value, "read")]


def send(client: Client, method: str, url: str, body: dict[str, Any], api: bool) -> HttpResponse:
    uploads = files_in(body)
    for upload in uploads:
        upload.seek(0)  # an uploaded file, sent again
    if api and uploads:
        return getattr(client, method)(url, body)  # type: ignore[no-any-return]  # multipart
    if api:
        return getattr(client, method)(url, body, content_type="application/json")  # type: ignore[no-any-return]
    return client.post(url, body)


_HANDLERS: dict[tuple[str, ...], Any] = {}


def shared_handler(client: Client) -> Any:
    """One request handler for every client of these tests: a new one loads the middleware,
    and WhiteNoise then scans every static file again (most of the time of these tests)."""
    key = tuple(settings.MIDDLEWARE)
    return _HANDLERS.setdefault(key, client.handler)


def who(user: User | None) -> str:
    return user.username if user is not None else "anonymous"


def check(write: Write, method: str, api: bool) -> None:
    make_client = api_client if api else page_client
    outsiders = [(user, make_client(user)) for user in write.outsiders]
    crossed = [
        (user, make_client(user), url, body, status) for user, url, body, status in write.crossed
    ]
    rightful = make_client(write.rightful)
    for client in [rightful, *(o[1] for o in outsiders), *(x[1] for x in crossed)]:
        client.handler = shared_handler(client)
    if write.prepare is not None:
        write.prepare(rightful)
    before = snapshot(write)
    for user, client in outsiders:
        response = send(client, method, write.url, write.outsider_body or write.body, api)
        assert response.status_code == write.status_for(user), (
            f"{who(user)} {method.upper()} {write.url}: {response.status_code}"
        )
        assert snapshot(write) == before, f"{who(user)} wrote through {method.upper()} {write.url}"
    for user, client, url, body, status in crossed:
        response = send(client, method, url, body, api)
        assert response.status_code == status, f"{who(user)} {method.upper()} {url}: {response}"
        assert snapshot(write) == before, f"{who(user)} wrote through {method.upper()} {url}"
    response = send(rightful, method, write.url, write.body, api)
    assert response.status_code < 400, f"{who(write.rightful)}: {response.status_code}"
    assert snapshot(write) != before, (
        f"the body sent to {write.url} writes nothing even for {who(write.rightful)}: "
        "the outsiders' refusal proves nothing"
    )


@pytest.mark.parametrize("name", sorted(PAGE_WRITES))
def test_page_writes_refuse_outsiders_and_write_nothing(cast: Cast, name: str) -> None:
    check(PAGE_WRITES[name](cast), "post", api=False)


@pytest.mark.parametrize(("method", "path"), sorted(API_WRITES))
def test_api_writes_refuse_outsiders_and_write_nothing(cast: Cast, method: str, path: str) -> None:
    check(API_WRITES[(method, path)](cast), method, api=True)
