"""Record ids as they arrive from outside: in page URLs and in the JSON API.

Every table's primary key is a signed 64-bit integer (`BigAutoField`), so an id beyond
2**63 - 1 cannot name anything: SQLite refuses to bind it (`OverflowError`) and PostgreSQL
answers "out of range". Such ids are refused where they enter, never passed to a query:
- page URLs use the `id` path converter (registered once in `campanella/urls.py`): digits
  beyond 2**63 - 1 do not match, so the page answers 404 like any missing record (0 still
  matches, as with Django's `int`, and names nothing: a view answers 404);
- the API types every id (path parameters and request bodies) as `Id`: out of range answers
  422 `invalid_input` with the error body, before any handler runs.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

MAX_ID = 2**63 - 1


def _not_a_boolean(value: Any) -> Any:
    if isinstance(value, bool):  # JSON true is not the id 1
        raise ValueError("un identificativo è un numero intero, non un valore vero/falso")
    return value


# The bounds before the validator, so that the schema shows them as minimum and maximum.
Id = Annotated[
    int,
    Field(ge=1, le=MAX_ID, description="identificativo (da 1 a 2^63 − 1)"),
    BeforeValidator(_not_a_boolean),
]


def parse_id(text: str) -> int | None:
    """The number written in `text` (decimal digits) if it fits a primary key (0 … 2**63 - 1),
    else None."""
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ID)):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


class IdConverter:
    """The `<id:name>` path converter: a number that fits a primary key, else no match (404)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        parsed = parse_id(value)
        if parsed is None:
            raise ValueError(value)  # the resolver tries the next pattern, then answers 404
        return parsed

    def to_url(self, value: int | str) -> str:
        parsed = parse_id(str(value))
        if parsed is None:
            raise ValueError(value)  # reverse() reports NoReverseMatch
        return str(parsed)
