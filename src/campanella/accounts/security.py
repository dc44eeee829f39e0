"""Login protection: throttling and lock-out per username and per address, and access traces.

Counted from the AccessEvent table (shared by every app server, unlike a per-process cache):
five failures for one username in 15 minutes lock that username for 15 minutes; thirty failures
from one address lock the address. A success or an unlock by the office starts counting afresh.
The lock applies to any username typed, existing or not, so it reveals nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q
from django.http import HttpRequest
from django.utils import timezone

from campanella.people.models import AccessEvent, AccessEventKind, User
from campanella.people.roles import roles_for_user

WINDOW = datetime.timedelta(minutes=15)
USERNAME_LIMIT = 5
ADDRESS_LIMIT = 30
RESETTING = [AccessEventKind.LOGIN, AccessEventKind.UNLOCKED]


def client_ip(request: HttpRequest | None) -> str | None:
    # Behind a proxy, Django's SECURE_PROXY_SSL_HEADER setup is paired with a proxy that sets
    # REMOTE_ADDR correctly (e.g. uwsgi/gunicorn --forwarded-allow-ips); we never trust XFF here.
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def user_agent(request: HttpRequest | None) -> str:
    return (request.META.get("HTTP_USER_AGENT", "") if request else "")[:200]


def institute_of(user: Any) -> int | None:
    if user is None:
        return None
    roles = roles_for_user(user)
    if roles.institute_id is not None:
        return roles.institute_id
    guardian = user.guardian_profiles.order_by("pk").first() if user.is_authenticated else None
    return guardian.institute_id if guardian else None


def record(
    kind: str,
    *,
    request: HttpRequest | None = None,
    user: Any = None,
    username: str = "",
    actor: Any = None,
    detail: str = "",
) -> AccessEvent:
    return AccessEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        username=(username or (user.username if user is not None else ""))[:254],
        actor=actor,
        institute_id=institute_of(user if user is not None else actor),
        ip_address=client_ip(request),
        user_agent=user_agent(request),
        detail=detail[:300],
    )


def normalize_username(value: str) -> str:
    value = value.strip()
    return value.lower() if "@" in value else value.upper()


def _failures_since_reset(scope: Q, reset_scope: Q, now: datetime.datetime) -> int:
    since = now - WINDOW
    last_reset = AccessEvent.objects.filter(
        reset_scope, kind__in=RESETTING, at__gte=since
    ).aggregate(last=Max("at"))["last"]
    start = max(since, last_reset) if last_reset else since
    return AccessEvent.objects.filter(
        scope, kind=AccessEventKind.LOGIN_FAILED, at__gt=start
    ).count()


@dataclass(frozen=True)
class LockState:
    locked: bool
    reason: str = ""


def lock_state(username: str, ip: str | None, now: datetime.datetime | None = None) -> LockState:
    now = now or timezone.now()
    name = normalize_username(username)
    by_name = Q(username__iexact=name)
    if _failures_since_reset(by_name, by_name, now) >= USERNAME_LIMIT:
        return LockState(True, "username")
    if ip:
        by_ip = Q(ip_address=ip)
        if (
            _failures_since_reset(by_ip, by_ip & Q(kind=AccessEventKind.UNLOCKED), now)
            >= ADDRESS_LIMIT
        ):
            return LockState(True, "address")
    return LockState(False)


def locked_usernames(institute_id: int, now: datetime.datetime | None = None) -> list[str]:
    """Usernames of this institute currently locked, for the office's page (two queries)."""
    now = now or timezone.now()
    since = now - WINDOW
    failures = AccessEvent.objects.filter(
        institute_id=institute_id, kind=AccessEventKind.LOGIN_FAILED, at__gte=since
    ).values_list("username", "at")
    resets = AccessEvent.objects.filter(
        institute_id=institute_id, kind__in=RESETTING, at__gte=since
    ).values_list("username", "at")
    last_reset: dict[str, datetime.datetime] = {}
    for username, at in resets:
        key = username.upper()
        last_reset[key] = max(at, last_reset.get(key, at))
    counts: dict[str, int] = {}
    for username, at in failures:
        key = username.upper()
        if at > last_reset.get(key, since):
            counts[key] = counts.get(key, 0) + 1
    return sorted(name for name, count in counts.items() if count >= USERNAME_LIMIT)


def unlock(*, username: str, actor: User, request: HttpRequest | None = None) -> None:
    target = User.objects.filter(username__iexact=normalize_username(username)).first()
    record(
        AccessEventKind.UNLOCKED,
        request=request,
        user=target,
        username=normalize_username(username),
        actor=actor,
    )
