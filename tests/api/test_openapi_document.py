"""The OpenAPI document is valid OpenAPI 3.1 and describes the layers every operation has."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.test import Client
from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(client: Client) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    errors = [str(error) for error in OPENAPI_31_VALIDATOR.iter_errors(document)]
    assert errors == []
    schemathesis.openapi.from_dict(document).validate()


def test_operation_ids_are_unique_and_refs_resolve(document: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _m, _p, operation in operations(document)]
    assert len(ids) == len(set(ids))
    components = document["components"]["schemas"]
    refs = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.add(node["$ref"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(document["paths"])
    collect(components)
    prefix = "#/components/schemas/"
    assert sorted(ref for ref in refs if ref.removeprefix(prefix) not in components) == []


def test_every_operation_documents_the_rate_limit(document: dict[str, Any]) -> None:
    missing = [f"{m} {p}" for m, p, op in operations(document) if "429" not in op["responses"]]
    assert missing == []
    for _m, _p, operation in operations(document):
        assert "Retry-After" in operation["responses"]["429"]["headers"]


def test_every_get_documents_304_and_the_malformed_header(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        if method == "get":
            assert {"304", "400"} <= set(operation["responses"]), path
            assert "content" not in operation["responses"]["304"], path
