"""Let the pages of a session opened through a gateway log out at that gateway.

The logout button is a form; a browser applies the page's CSP `form-action` to where the form's
answer redirects, so the gateway's end-session address must be allowed there (only for such
sessions, only that origin, remembered in the session when it was opened)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

OIDC_LOGIN = "campanella-oidc-login"


class GatewayLogoutCspMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        login = session.get(OIDC_LOGIN) if session is not None else None
        origin = login.get("logout_origin") if isinstance(login, dict) else None
        if origin:
            response._csp_update = {"form-action": [origin]}  # type: ignore[attr-defined]
        return response
