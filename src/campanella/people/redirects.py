"""Where to send someone back after a form: only to a page of this site.

Forms carry the page to return to (the `back` field); a request is data from the outside, so
that value may be a phishing address (`https://evil.example/…`, `//evil.example`,
`/\\evil.example`, `javascript:…`). Every view that redirects to a value from a request goes
through `same_site`, which keeps only paths and URLs of this host (over HTTPS when the request
came over HTTPS) and otherwise falls back to the page the view would show anyway.

(Not in campanella.lib: lib is pure Python, and this check is Django's own.)
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def same_site(request: HttpRequest, target: str | None, default: str) -> str:
    """`target` when it is a page of this site, else `default`."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def posted_back(request: HttpRequest, default: str) -> str:
    """The form's `back` field, when it is a page of this site; else `default`."""
    return same_site(request, request.POST.get("back"), default)
