"""Conditional GETs on /api/v1/: an ETag on every answer, 304 when the app already has it.

Every GET answered 200 with a body in memory gets a strong `ETag` computed from the body and
from who asked (lib.etags), and `Cache-Control: private, no-cache` unless the view set its own
(downloads say `no-store`): apps revalidate every time, shared caches never store. An
`If-None-Match` that matches (weak comparison, `*` matches any answer) turns the 200 into a
304 with no body. A malformed `If-None-Match` is refused with 400 `intestazione_non_valida`
before the view runs. Streamed answers (large files) carry no tag.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.utils.cache import patch_vary_headers

from campanella.api.throttle import API_PREFIX
from campanella.lib.api_errors import error_body
from campanella.lib.etags import IfNoneMatch, MalformedTags, parse_if_none_match, strong_etag

REVALIDATE = "private, no-cache"
MALFORMED_MESSAGE = (
    "L'intestazione If-None-Match non è valida: usare * oppure uno o più ETag tra virgolette "
    'separati da virgole, es. "abc", W/"def".'
)


def identity_of(request: HttpRequest) -> str:
    """Who the answer was for: the login or the machine key that authenticated, or nobody."""
    auth: Any = getattr(request, "auth", None)
    if auth is None or auth is False:
        return "anonymous"
    return f"{type(auth).__name__}:{getattr(auth, 'pk', auth)}"


def malformed_header() -> HttpResponse:
    body = error_body("intestazione_non_valida", MALFORMED_MESSAGE).model_dump()
    return JsonResponse(body, status=400)


class ConditionalGetMiddleware:
    """ETag, Cache-Control and If-None-Match for the GETs of /api/v1/."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "GET" or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        condition: IfNoneMatch | None = None
        header = request.headers.get("If-None-Match")
        if header is not None:
            try:
                condition = parse_if_none_match(header)
            except MalformedTags:
                return malformed_header()
        response = self.get_response(request)
        patch_vary_headers(response, ["Authorization"])
        if response.status_code != 200:
            return response
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = REVALIDATE
        if response.streaming or response.has_header("ETag"):
            return response
        etag = strong_etag(identity_of(request), response.content)
        response["ETag"] = etag
        if condition is not None and condition.matches(etag):
            return not_modified(response, etag)
        return response


def not_modified(response: HttpResponse, etag: str) -> HttpResponse:
    """The 304: no body, the same tag and caching headers (RFC 9110 §15.4.5)."""
    unchanged = HttpResponseNotModified()
    unchanged["ETag"] = etag
    for name in ("Cache-Control", "Vary"):
        if response.has_header(name):
            unchanged[name] = response[name]
    return unchanged
