"""A method a path of /api/v1/ does not have answers 405 as every other refusal: `ErrorOut`.

Ninja answers a path's unknown method itself (its PathView, before any operation or exception
handler runs) with a plain-text body; this turns that answer into the API's error body,
keeping its `Allow` header (the methods the path has, RFC 9110 §15.5.6).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from campanella.api.throttle import API_PREFIX
from campanella.lib.api_errors import error_body


def not_allowed(allowed: str) -> JsonResponse:
    message = f"Metodo non consentito su questo indirizzo: usare {allowed}."
    reply = JsonResponse(error_body("metodo_non_consentito", message).model_dump(), status=405)
    reply["Allow"] = allowed
    return reply


class MethodNotAllowedMiddleware:
    """The 405 of the API's paths as `ErrorOut` JSON with an Italian message."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or not request.path.startswith(API_PREFIX):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response  # already the API's body
        return not_allowed(", ".join(sorted(response.get("Allow", "").replace(",", " ").split())))
