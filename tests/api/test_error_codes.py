"""Every error code the API can answer is in the documented list (lib.api_errors.ERROR_CODES),
which the OpenAPI description shows; the fuzz (test_fuzz.py) checks every answered code too."""

from __future__ import annotations

from django.test import Client

from campanella.lib.api_errors import ERROR_CODES, is_documented_code
from tests.api.error_code_sources import answered_codes


def test_every_code_the_handlers_answer_is_documented() -> None:
    found = answered_codes()
    assert len(found) > 50, "the reader of the source found too few codes: is it still right?"
    assert sorted(code for code in found if not is_documented_code(code)) == []


def test_no_code_is_documented_twice() -> None:
    codes = [code for area in ERROR_CODES.values() for code in area]
    assert len(codes) == len(set(codes))


def test_no_documented_code_is_stale() -> None:
    """A code no handler answers any more is taken out of the list (and of the apps' docs)."""
    assert sorted({code for area in ERROR_CODES.values() for code in area} - answered_codes()) == []


def test_the_openapi_description_lists_the_codes(client: Client, db: None) -> None:
    description = client.get("/api/v1/openapi.json").json()["info"]["description"]
    for codes in ERROR_CODES.values():
        for code in codes:
            assert f"`{code}`" in description
