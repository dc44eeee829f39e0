"""Ids no table can hold (beyond 2**63 - 1) are refused where they enter, never queried.

SQLite cannot bind them (OverflowError) and PostgreSQL answers "out of range": both were 500s.
Pages answer 404 (the `id` path converter does not match, campanella/lib/ids.py); the API
answers 422 `invalid_input` with the error body, for path parameters and request bodies alike.
Every page with an id in its URL and every API operation are covered, by walking the URL map
and the OpenAPI schema: a new route is tested without being listed here.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from campanella.accounts.services import api_token_issue
from campanella.lib.ids import MAX_ID, IdConverter, parse_id
from tests.conftest import Cast

pytestmark = pytest.mark.django_db

HUGE = [2**63 + 1, 10**20]
PLACEHOLDER = 987654321  # an id no test record has, replaced by a huge one in the URL
DAY = "2026-11-23"
REAL_PAGE_IDS = {
    "classroom_id": "classroom_1a",
    "subject_id": "maths",
    "student_id": "child",
}


def is_id(converter: Any) -> bool:
    return type(converter).__name__ in {"IdConverter", "IntConverter"}  # after, before the fix


def sample(converter: Any) -> str:
    return DAY if type(converter).__name__ == "IsoDate" else "x"


def id_routes() -> list[tuple[str, str, list[str], dict[str, str]]]:
    """(url name, id argument to make huge, every id argument, the other arguments' values)."""
    routes = []

    def walk(patterns: list[Any], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in {"admin", "api-v1"}:
                    continue  # the office's admin takes ids as text; the API is tested below
                prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, prefix)
            elif isinstance(pattern, URLPattern) and pattern.name:
                converters = getattr(pattern.pattern, "converters", {})
                ids = [name for name, c in converters.items() if is_id(c)]
                others = {name: sample(c) for name, c in converters.items() if not is_id(c)}
                routes.extend((f"{namespace}{pattern.name}", name, ids, others) for name in ids)

    walk(get_resolver().url_patterns, "")
    return routes


ID_ROUTES = id_routes()


def test_the_url_map_uses_the_id_converter_for_every_id() -> None:
    assert ID_ROUTES, "no page with an id in its URL?"

    def walk(patterns: list[Any]) -> list[str]:
        found = []
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                found += walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                for name, converter in getattr(pattern.pattern, "converters", {}).items():
                    if type(converter).__name__ == "IntConverter":
                        found.append(f"{pattern.pattern} {name}")
        return found

    assert walk(get_resolver().url_patterns) == []


def page_url(cast: Cast, name: str, huge_arg: str, ids: list[str], others: dict[str, str]) -> str:
    kwargs: dict[str, Any] = dict(others)
    for arg in ids:
        real = getattr(cast, REAL_PAGE_IDS.get(arg, "classroom_1a"))
        kwargs[arg] = PLACEHOLDER if arg == huge_arg else real.pk
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize(
    ("name", "arg", "ids", "others"), ID_ROUTES, ids=[f"{r[0]}-{r[1]}" for r in ID_ROUTES]
)
@pytest.mark.parametrize("huge", HUGE)
def test_pages_answer_404_to_huge_ids(
    cast: Cast, name: str, arg: str, ids: list[str], others: dict[str, str], huge: int
) -> None:
    url = page_url(cast, name, arg, ids, others).replace(str(PLACEHOLDER), str(huge))
    for user in (cast.office, cast.coordinator, cast.guardian):
        client = cast.client_for(user)
        assert client.get(url).status_code == 404, url
        assert client.post(url, {arg: str(huge)}).status_code == 404, url


def test_the_id_converter_matches_exactly_the_ids_a_table_can_hold() -> None:
    converter = IdConverter()
    assert converter.to_python(str(MAX_ID)) == MAX_ID
    assert converter.to_python("0") == 0  # as Django's int: matches, names nothing (404)
    for text in (str(MAX_ID + 1), str(2**64), "9" * 19, "١٢"):
        assert parse_id(text) is None
        with pytest.raises(ValueError, match=text):
            converter.to_python(text)
    assert converter.to_url(12) == "12"
    with pytest.raises(ValueError, match=str(MAX_ID + 1)):
        converter.to_url(MAX_ID + 1)


# The API: every operation of the schema with an integer path parameter, and every request body
# with an id in it.


def openapi(client: Client) -> dict[str, Any]:
    schema: dict[str, Any] = client.get("/api/v1/openapi.json").json()
    return schema


def real_path_values(cast: Cast) -> dict[str, str]:
    return {
        "classroom_id": str(cast.classroom_1a.pk),
        "subject_id": str(cast.maths.pk),
        "student_id": str(cast.child.pk),
        "justification_id": "1",
        "session_id": "1",
        "document_id": "1",
        "round_id": "1",
        "notice_id": "1",
        "thread_id": "1",
        "attachment_id": "1",
        "slot_id": "1",
        "booking_id": "1",
        "material_id": "1",
        "note_id": "1",
        "annotation_id": "1",
        "record_id": "1",
        "event_id": "1",
        "kind": "absences",
        "grade_id": "1",
        "day": DAY,
    }


def integer_path_params(operation: dict[str, Any]) -> list[str]:
    return [
        p["name"]
        for p in operation.get("parameters", [])
        if p["in"] == "path" and p["schema"].get("type") == "integer"
    ]


def api_operations() -> list[tuple[str, str, str]]:
    schema = openapi(Client())
    return [
        (method, path, param)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for param in integer_path_params(operation)
    ]


@pytest.fixture
def teacher_headers(cast: Cast) -> dict[str, str]:
    _token, raw = api_token_issue(user=cast.coordinator)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def assert_invalid_input(response: Any, where: str) -> None:
    assert response.status_code == 422, (where, response.status_code, response.content[:300])
    body = response.json()
    assert body["code"] == "invalid_input"
    assert body["message"]
    assert body["errors"]


@pytest.mark.parametrize(("method", "path", "param"), api_operations())
@pytest.mark.parametrize("huge", HUGE)
def test_api_path_ids_out_of_range_get_422(
    cast: Cast, teacher_headers: dict[str, str], method: str, path: str, param: str, huge: int
) -> None:
    values = real_path_values(cast) | {param: str(huge)}
    url = path.format(**values)
    response = getattr(Client(), method)(
        url, data=body_for(openapi(Client()), method, path, cast),
        content_type="application/json", **teacher_headers,
    )  # fmt: skip
    assert_invalid_input(response, url)


def test_every_api_id_is_bounded_in_the_schema(client: Client) -> None:
    """Every integer named like an id, in a path or in a body, declares 1 … 2**63 - 1."""
    schema = openapi(client)
    unbounded = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for p in operation.get("parameters", []):
                bounds = {s.get("maximum") for s in _integers(p["schema"])}  # optional: anyOf
                if p["name"].endswith("_id") and MAX_ID not in bounds:
                    unbounded.append(f"{method} {path} {p['name']}")
    for name, component in schema["components"]["schemas"].items():
        if not name.endswith("In"):
            continue
        for field, spec in component["properties"].items():
            if is_id_field(field) and MAX_ID not in {s.get("maximum") for s in _integers(spec)}:
                unbounded.append(f"{name}.{field}")
    assert unbounded == []


def is_id_field(name: str) -> bool:
    return name.endswith(("_id", "_ids")) or name == "absent"


def _integers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    options = spec.get("anyOf", [spec])
    found = []
    for option in options:
        if option.get("type") == "integer":
            found.append(option)
        if option.get("type") == "array":
            found.append(option["items"])
    return found


def body_schema(schema: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    body = schema["paths"][path][method].get("requestBody")
    if body is None:
        return None
    if "application/json" not in body["content"]:
        return None  # a file upload (multipart): its fields are checked by its own tests
    ref = body["content"]["application/json"]["schema"]["$ref"]
    component: dict[str, Any] = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return component


def body_value(field: str, spec: dict[str, Any], cast: Cast) -> Any:
    """A valid value for a body field (ids of the cast: the child, the first slot, maths)."""
    option = spec.get("anyOf", [spec])[0]
    kind = option.get("type")
    if is_id_field(field):
        value = cast.maths.pk if field == "subject_id" else cast.child.pk
        return [value] if kind == "array" else value
    if kind == "boolean":
        return False
    if kind == "integer":
        return 1
    if option.get("format") == "date":
        return datetime.date.today().isoformat()
    if "pattern" in option:
        return "08:10"
    return "x"


def body_for(schema: dict[str, Any], method: str, path: str, cast: Cast) -> dict[str, Any] | None:
    component = body_schema(schema, method, path)
    if component is None:
        return None
    return {field: body_value(field, spec, cast) for field, spec in component["properties"].items()}


def body_id_cases() -> list[tuple[str, str, str]]:
    schema = openapi(Client())
    cases = []
    for path, operations in schema["paths"].items():
        for method in operations:
            component = body_schema(schema, method, path)
            for field in (component or {}).get("properties", {}):
                if is_id_field(field):
                    cases.append((method, path, field))
    return cases


BODY_ID_CASES = body_id_cases()


def test_body_ids_are_found() -> None:
    fields = {field for _method, _path, field in BODY_ID_CASES}
    assert {"student_id", "student_ids", "absent", "slot_id", "subject_id"} <= fields


@pytest.mark.parametrize(("method", "path", "field"), BODY_ID_CASES)
@pytest.mark.parametrize("huge", HUGE)
def test_api_body_ids_out_of_range_get_422(
    cast: Cast, teacher_headers: dict[str, str], method: str, path: str, field: str, huge: int
) -> None:
    schema = openapi(Client())
    body = body_for(schema, method, path, cast)
    assert body is not None
    body[field] = [huge] if isinstance(body[field], list) else huge
    url = path.format(**real_path_values(cast))
    response = getattr(Client(), method)(
        url, data=body, content_type="application/json", **teacher_headers
    )
    assert_invalid_input(response, f"{url} {field}")
    assert any(field in error["loc"] for error in response.json()["errors"])
