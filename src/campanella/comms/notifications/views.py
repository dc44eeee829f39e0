"""Pages of notifications: the list (paged), open one, mark all read, preferences, push
devices, the service worker and the school's delay for grades.

Everything but the school's policy is the login's own: the queries are filtered by the login,
so another login's notification answers 404 like a missing one.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from campanella.comms.notifications import rules, selectors, services
from campanella.comms.notifications.forms import PreferencesForm, SchoolPolicyForm
from campanella.comms.notifications.models import SchoolNotificationPolicy
from campanella.comms.notifications.preferences import all_choices, timings_of
from campanella.comms.notifications.vapid import vapid_keys
from campanella.people.models import User

PAGE_SIZE = 20


def login_of(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def index(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.own_notifications(request.user), PAGE_SIZE).get_page(
        request.GET.get("pagina")
    )
    return render(request, "comms/notifications/index.html", {"page": page})


def safe_target(request: HttpRequest, url: str) -> str:
    allowed = url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure())
    return url if allowed else "/"


@login_required
@require_POST
def open_one(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark the notification read and go to its object."""
    found = services.notification_read(user=login_of(request), notification_id=notification_id)
    if found is None:
        raise Http404
    return redirect(safe_target(request, found.url))


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_read_all(user=login_of(request))
    messages.success(request, _("%(count)s notifiche segnate come lette.") % {"count": count})
    return redirect("comms:notification_list")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """What arrives by e-mail and push, quiet hours and the daily digest; this device's push."""
    user = login_of(request)
    form = PreferencesForm(
        request.POST or None, choices=all_choices(user.pk), timing=timings_of([user.pk])[user.pk]
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.preferences_set(
                user=user,
                choices=form.chosen(),
                quiet_hours=form.cleaned_data["quiet_hours"],
                quiet_from=form.cleaned_data["quiet_from"],
                quiet_until=form.cleaned_data["quiet_until"],
                daily_digest=form.cleaned_data["daily_digest"],
            )
        except services.NotificationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Preferenze salvate."))
            return redirect("comms:notification_preferences")
    keys = vapid_keys()
    context = {
        "form": form,
        "vapid_public_key": keys.public_key if keys else "",
        "devices": user.push_subscriptions.order_by("-created_at"),
    }
    return render(request, "comms/notifications/preferences.html", context)


def json_body(request: HttpRequest) -> dict[str, object]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@login_required
@require_POST
def push_subscribe(request: HttpRequest) -> HttpResponse:
    """The browser's PushSubscription (JSON, as `subscription.toJSON()` gives it)."""
    body = json_body(request)
    given = body.get("keys")
    keys: dict[str, Any] = given if isinstance(given, dict) else dict(request.POST.dict())
    try:
        services.push_subscribe(
            user=login_of(request),
            endpoint=str(body.get("endpoint") or request.POST.get("endpoint", "")),
            p256dh=str(keys.get("p256dh", "")),
            auth=str(keys.get("auth", "")),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except services.NotAllowed:
        raise Http404 from None
    except services.NotificationError as error:
        return JsonResponse({"code": error.code, "message": error.message}, status=400)
    return JsonResponse({"subscribed": True}, status=201)


@login_required
@require_POST
def push_unsubscribe(request: HttpRequest) -> HttpResponse:
    endpoint = str(json_body(request).get("endpoint", "") or request.POST.get("endpoint", ""))
    removed = services.push_unsubscribe(user=login_of(request), endpoint=endpoint)
    if request.content_type == "application/json":
        return JsonResponse({"removed": removed})
    messages.success(request, _("Dispositivo rimosso."))
    return redirect("comms:notification_preferences")


# What the service worker copies at install, so the app opens without the network.
PRECACHED_STATIC = (
    "campanella/bootstrap-italia.css",
    "campanella/campanella.css",
    "campanella/campanella.js",
    "campanella/notifications.js",
    "campanella/favicon.svg",
    "campanella/icon-192.png",
)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker: pushes, offline copies of the pages read (accounts/offline.py) and
    the site's static files. Served here with a header that lets it control the whole site (its
    own path is below /comunicazioni/). Its version is the digest of what it says, so a release
    that changes a static file's name installs a new one."""
    context = {
        "precache": [static(name) for name in PRECACHED_STATIC],
        "static_prefix": settings.STATIC_URL,
        "stylesheet": static("campanella/bootstrap-italia.css"),
        "icon": static("campanella/favicon.svg"),
    }
    unversioned = render_to_string("comms/notifications/sw.js", {**context, "version": ""})
    version = hashlib.sha256(unversioned.encode()).hexdigest()[:12]
    body = render_to_string("comms/notifications/sw.js", {**context, "version": version})
    response = HttpResponse(body, content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@login_required
def school_policy(request: HttpRequest) -> HttpResponse:
    """The office sets, per school, how long grade notifications wait."""
    schools = list(rules.managed_schools(request.user))
    if not schools:
        raise Http404
    form = SchoolPolicyForm(request.POST or None, schools=[(s.pk, s.name) for s in schools])
    if request.method == "POST" and form.is_valid():
        school = next(s for s in schools if s.pk == form.cleaned_data["school"])
        try:
            services.school_policy_set(
                school=school,
                grade_delay_hours=form.cleaned_data["grade_delay_hours"],
                grade_release_time=form.cleaned_data["grade_release_time"],
            )
        except services.NotificationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Impostazione salvata per %(school)s.") % {"school": school.name}
            )
            return redirect("comms:notification_school_policy")
    policies = {p.school_id: p for p in SchoolNotificationPolicy.objects.filter(school__in=schools)}
    rows = [(school, policies.get(school.pk)) for school in schools]
    return render(request, "comms/notifications/school.html", {"form": form, "rows": rows})
