"""What the service worker may keep for reading offline (issue 16, item 6).

The service worker (comms/templates/comms/notifications/sw.js) keeps a copy of the pages a
logged-in user reads, to show them again, marked as offline, when the network is gone. It keeps
them only for one owner: every page of a logged-in user carries an opaque key of that user and
their current credential; a page without a key (the login page after a logout, an expired
session) or with another key (another user, a changed password) makes it drop every copy first.
So nothing read by one user is ever shown to the next one on the same phone.

Pages that show a secret once (2-step set-up, new keys, calendar links) or are marked
`no-store` are never kept, unless a view says otherwise with `offline_copy_allowed`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

from campanella.people.models import User

KEY_HEADER = "X-Campanella-Offline-Key"
KEEP_HEADER = "X-Campanella-Offline"
_ALLOWED_ATTRIBUTE = "campanella_offline_copy"


def offline_key(user: User) -> str:
    """Opaque, per user and per credential: it changes when the password does, so the copies
    die with the credential. It reveals nothing of the user to whoever reads the header."""
    value = f"{user.pk}:{user.get_session_auth_hash()}"
    return salted_hmac("campanella.accounts.offline", value, algorithm="sha256").hexdigest()[:32]


def offline_copy_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For a page kept out of the browser's HTTP cache (`never_cache`) only so that it is
    always fresh online, which is still worth reading offline (the home page)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        setattr(response, _ALLOWED_ATTRIBUTE, True)
        return response

    return wrapped


def may_keep(response: HttpResponse) -> bool:
    if getattr(response, _ALLOWED_ATTRIBUTE, False):
        return True
    return "no-store" not in response.get("Cache-Control", "")


class OfflineCopyMiddleware:
    """Tells the service worker whose page this is, and whether it may keep it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if isinstance(user, User) and user.is_authenticated:
            response[KEY_HEADER] = offline_key(user)
            if request.method != "GET" or not may_keep(response):
                response[KEEP_HEADER] = "no"
        return response
