"""Paging of the API's lists, and answers written as JSON straight from plain values.

Paging: every operation whose body is a JSON array takes `limit` (default 100, at most 500)
and `offset`; the body stays the array it always was (only the page of it), and the headers
say the rest: `X-Total-Count` (how many there are in all) and `Link` (RFC 8288: `next`,
`prev`, `first`, `last`, relative to the request's URL). Operations that already answered an
envelope (`count`, `limit`, `offset`, `items`) keep it.

Plain answers: a read that lists hundreds of values (a student's grades, the grade book)
spent most of its time building and validating one schema object per row; the hot reads
build dicts and lists of plain values and encode them as ninja would (the same JSON encoder,
the same content type), the schema staying what the OpenAPI document describes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeVar
from urllib.parse import urlencode

from ninja import Field, Schema
from ninja.responses import NinjaJSONEncoder, Response

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_OFFSET = 1_000_000
CONTENT_TYPE = "application/json; charset=utf-8"  # what ninja's renderer answers
PAGING_HEADERS = ("X-Total-Count", "Link")

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Listing(Protocol[T_co]):
    """A list or a queryset: its length and a slice of it (a queryset is read once)."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: slice) -> Iterable[T_co]: ...


class Paging(Schema):
    """The page of a list: `Query[Paging]` in an operation's parameters."""

    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT,
        description=f"quanti elementi al più (predefinito {DEFAULT_LIMIT}, massimo {MAX_LIMIT})",
    )  # fmt: skip
    offset: int = Field(
        0, ge=0, le=MAX_OFFSET, description="quanti elementi saltare dall'inizio dell'elenco"
    )


class HeaderSink(Protocol):
    """What receives the paging headers: an HttpResponse (ninja's temporal response or ours)."""

    def __setitem__(self, header: str, value: str) -> None: ...


class RequestLike(Protocol):
    path: str

    @property
    def GET(self) -> Any: ...  # noqa: N802 - Django's name


# What the OpenAPI document says of a paged list's 200 answer (openapi_extra of the operation).
PAGED_RESPONSE_HEADERS: dict[str, Any] = {
    "X-Total-Count": {
        "description": "quanti elementi ha l'elenco in tutto",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
    "Link": {
        "description": "pagine vicine (RFC 8288): next, prev, first, last",
        "schema": {"type": "string"},
    },
}
PAGED: dict[str, Any] = {"responses": {200: {"headers": PAGED_RESPONSE_HEADERS}}}
# The paging as the API's description tells it (api/api.py).
PAGING_NOTE = (
    "Ogni elenco si legge a pagine, con `limit` e `offset`. Se la risposta è un array, "
    f"`limit` vale {DEFAULT_LIMIT} se non indicato (al più {MAX_LIMIT}), il corpo resta l'array "
    "di sempre (la pagina chiesta) e le intestazioni dicono il resto: `X-Total-Count` (quanti "
    'elementi in tutto) e `Link` (RFC 8288: `rel="next"`, `"prev"`, `"first"`, `"last"`). Gli '
    "elenchi che rispondono con un oggetto (`count`, `limit`, `offset`, `items`) dicono il "
    "totale nel corpo; i loro limiti sono nei parametri."
)


def _link(request: RequestLike, offset: int, limit: int, relation: str) -> str:
    query: list[tuple[str, str]] = [
        (name, value)
        for name, values in request.GET.lists()
        if name not in ("limit", "offset")
        for value in values
    ]
    query += [("limit", str(limit)), ("offset", str(offset))]
    return f'<{request.path}?{urlencode(query)}>; rel="{relation}"'


def paging_headers(request: RequestLike, paging: Paging, total: int) -> dict[str, str]:
    """X-Total-Count and the Link to the neighbouring, first and last pages."""
    limit, offset = paging.limit, paging.offset
    last = max(0, (total - 1) // limit * limit)
    links = [_link(request, 0, limit, "first")]
    if offset > 0:
        links.append(_link(request, max(0, min(offset, total) - limit), limit, "prev"))
    if offset + limit < total:
        links.append(_link(request, offset + limit, limit, "next"))
    links.append(_link(request, last, limit, "last"))
    return {"X-Total-Count": str(total), "Link": ", ".join(links)}


def page_of(
    rows: Listing[T], request: RequestLike, paging: Paging, response: HeaderSink
) -> list[T]:
    """The requested page of `rows`, its headers set on `response`."""
    for name, value in paging_headers(request, paging, len(rows)).items():
        response[name] = value
    return list(rows[paging.offset : paging.offset + paging.limit])


def json_body(data: Any) -> bytes:
    """`data` as ninja's renderer writes it (Decimal as text, dates in ISO 8601)."""
    return json.dumps(data, cls=NinjaJSONEncoder).encode()


def json_reply(body: bytes, headers: Mapping[str, str] | None = None) -> Response:
    """A 200 answer of an already encoded JSON body."""
    reply = Response(None, content_type=CONTENT_TYPE)
    reply.content = body
    for name, value in (headers or {}).items():
        reply[name] = value
    return reply


def paged_reply(
    rows: Sequence[Any], request: RequestLike, paging: Paging, encode: Any = None
) -> Response:
    """The page of plain `rows` (each made JSON-ready by `encode`, if given) as the answer."""
    page: Iterable[Any] = rows[paging.offset : paging.offset + paging.limit]
    if encode is not None:
        page = [encode(row) for row in page]
    return json_reply(json_body(list(page)), paging_headers(request, paging, len(rows)))
