"""The private calendar feed: the page to make, make anew or revoke one's own feed (under
/comunicazioni/calendario/), and the feed itself, read by phones without a session."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from campanella.comms.calendar import rules, selectors, services
from campanella.comms.calendar.feed import DAYS_AHEAD, DAYS_BACK, feed_for

# A phone reads the feed again after this; a new token is a new URL, so a cached copy of a
# revoked feed is never served under a live one.
FEED_MAX_AGE = 15 * 60


def feed_urls(request: HttpRequest, raw_token: str) -> dict[str, str]:
    https = request.build_absolute_uri(reverse("comms:calendar_feed_ics", args=[raw_token]))
    return {"https": https, "webcal": "webcal://" + https.split("://", 1)[1]}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def page(request: HttpRequest) -> HttpResponse:
    if not rules.may_have_calendar_feed(request.user):
        raise Http404
    context: dict[str, object] = {"days_back": DAYS_BACK, "days_ahead": DAYS_AHEAD}
    if request.method == "POST":
        action = request.POST.get("azione", "")
        if action == "crea":
            _feed, raw = services.calendar_feed_issue(user=request.user)
            # Shown once, in this answer only: the database keeps only its digest.
            context["new_urls"] = feed_urls(request, raw)
            messages.success(request, _("Nuovo indirizzo del calendario creato."))
        elif action == "revoca":
            if services.calendar_feed_revoke(user=request.user):
                messages.success(request, _("Calendario revocato: l'indirizzo non funziona più."))
            return redirect("comms:calendar_feed")
        else:
            messages.error(request, _("Azione non valida."))
            return redirect("comms:calendar_feed")
    context["status"] = selectors.feed_status(request.user)
    return render(request, "comms/calendar/page.html", context)


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar of the token's login. An unknown, revoked or dead token answers 404 and
    says nothing more."""
    user = services.calendar_feed_user(token)
    if user is None:
        raise Http404
    body = feed_for(user, name=_("Campanella"), absolute=request.build_absolute_uri)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="campanella.ics"'
    response["ETag"] = etag
    # Private: personal data, never kept by a shared cache; the URL is the credential.
    response["Cache-Control"] = f"private, max-age={FEED_MAX_AGE}"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
