"""Login protection: throttling and lock-out per account and per client address, and traces.

Counted from the AccessEvent table (shared by every app server, unlike a per-process cache):
five failures against one account in 15 minutes lock that account for 15 minutes, whatever
identifier reached it (username, linked e-mail, a joined login) and whichever step failed
(password or two-step code); thirty failures from one client address lock the address. A
success or an unlock by the office starts counting afresh. The lock applies to any username
typed, existing or not, so it reveals nothing.

An attempt is counted *before* it is checked (`attempt_open`): the failure row is written and
committed first, then counted, so parallel guesses cannot all pass the check before any is
counted; a right answer then takes its row back (`attempt_passed`).
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Max, Q
from django.http import HttpRequest
from django.utils import timezone

from campanella.people.models import AccessEvent, AccessEventKind, User
from campanella.people.roles import roles_for_user

WINDOW = datetime.timedelta(minutes=15)
USERNAME_LIMIT = 5
ADDRESS_LIMIT = 30
RESETTING = [AccessEventKind.LOGIN, AccessEventKind.UNLOCKED]
# Wrong passwords and wrong two-step codes count alike: both are guesses.
FAILED = [AccessEventKind.LOGIN_FAILED, AccessEventKind.TOTP_FAILED]
# The office's unlock of an address (an unlock of a login names the login).
ADDRESS_UNLOCK = Q(kind=AccessEventKind.UNLOCKED, username="")


IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(value: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def is_trusted_proxy(address: IpAddress) -> bool:
    return any(address in network for network in settings.TRUSTED_PROXIES)


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: REMOTE_ADDR, or behind trusted proxies what they forwarded.

    X-Forwarded-For is read from the right, the hop our own proxy appended, leftwards past our
    other trusted proxies; the first address that is not one of ours is the client. Anything
    further left was written by the client itself and is never believed.
    """
    if request is None:
        return None
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    if remote is None:
        return None
    if not is_trusted_proxy(remote):
        return str(remote)
    client = remote
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            break
        client = address
        if not is_trusted_proxy(address):
            break
    return str(client)


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
    ip_address: str | None = None,
) -> AccessEvent:
    return AccessEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        username=(username or (user.username if user is not None else ""))[:254],
        actor=actor,
        institute_id=institute_of(user if user is not None else actor),
        ip_address=ip_address or client_ip(request),
        user_agent=user_agent(request),
        detail=detail[:300],
    )


def normalize_username(value: str) -> str:
    value = value.strip()
    return value.lower() if "@" in value else value.upper()


def account_scope(user: User | None, username: str) -> Q:
    """The events of one account: by the login it reached, else by the name typed."""
    if user is not None and user.pk:
        return Q(user_id=user.pk)
    return Q(user__isnull=True, username__iexact=normalize_username(username))


def _failures_since_reset(scope: Q, reset_scope: Q, now: datetime.datetime) -> int:
    since = now - WINDOW
    last_reset = AccessEvent.objects.filter(
        reset_scope, kind__in=RESETTING, at__gte=since
    ).aggregate(last=Max("at"))["last"]
    start = max(since, last_reset) if last_reset else since
    return AccessEvent.objects.filter(scope, kind__in=FAILED, at__gt=start).count()


@dataclass(frozen=True)
class Failures:
    """Failures counted since the last reset, the attempt being checked among them."""

    account: int
    address: int

    @property
    def over_limit(self) -> bool:
        # Counted before its check, the limit-th attempt is still checked; the next is not.
        return self.account > USERNAME_LIMIT or self.address > ADDRESS_LIMIT


def failures(user: User | None, username: str, ip: str | None, now: datetime.datetime) -> Failures:
    by_account = account_scope(user, username)
    account = _failures_since_reset(by_account, by_account, now)
    address = 0
    if ip:
        by_ip = Q(ip_address=ip)
        address = _failures_since_reset(by_ip, by_ip & ADDRESS_UNLOCK, now)
    return Failures(account=account, address=address)


class AttemptLocked(Exception):
    """Too many failures: the attempt was not checked."""


def attempt_open(
    *,
    request: HttpRequest | None,
    user: User | None,
    username: str,
    kind: str = AccessEventKind.LOGIN_FAILED,
    detail: str = "",
) -> AccessEvent:
    """Count one guess (password or code) as failed before checking it; AttemptLocked if over.

    The row is committed before the count (the login paths run outside any transaction), so of
    any number of parallel guesses at most the limit are checked. Over the limit the row becomes
    a "locked" trace: refused guesses were never checked and do not count.
    """
    name = normalize_username(username)
    event = record(kind, request=request, user=user, username=name, detail=detail)
    if failures(user, name, event.ip_address, timezone.now()).over_limit:
        AccessEvent.objects.filter(pk=event.pk).update(kind=AccessEventKind.LOCKED)
        raise AttemptLocked
    return event


def attempt_passed(event: AccessEvent) -> None:
    """The guess was right: it was never a failure. What follows records the success."""
    AccessEvent.objects.filter(pk=event.pk).delete()


def attempt_ended(event: AccessEvent) -> None:
    """The right password of a login whose access ended: not a guess, so it does not count
    into the lock-out, nor does it reset it (it is no success either); the trace stays."""
    AccessEvent.objects.filter(pk=event.pk).update(kind=AccessEventKind.ACCESS_ENDED_LOGIN)


# --- what the office sees and clears ------------------------------------------------------------


def _account_key(login_username: str | None, typed: str) -> str:
    """An event's account: the login it reached, else the name typed."""
    return login_username or typed.upper()


def locked_usernames(institute_id: int, now: datetime.datetime | None = None) -> list[str]:
    """Logins of this institute locked now (by the account's username), two queries."""
    now = now or timezone.now()
    since = now - WINDOW
    columns = ("user__username", "username", "at")
    failed = AccessEvent.objects.filter(
        institute_id=institute_id, kind__in=FAILED, at__gte=since
    ).values_list(*columns)
    resets = AccessEvent.objects.filter(
        institute_id=institute_id, kind__in=RESETTING, at__gte=since
    ).values_list(*columns)
    return _over_limit(
        [(_account_key(login, typed), at) for login, typed, at in failed],
        [(_account_key(login, typed), at) for login, typed, at in resets],
        since,
        USERNAME_LIMIT,
    )


def locked_addresses(institute_id: int, now: datetime.datetime | None = None) -> list[str]:
    """Client addresses locked now that failed against this institute or unknown usernames."""
    now = now or timezone.now()
    since = now - WINDOW
    concerned = set(
        AccessEvent.objects.filter(
            Q(institute_id=institute_id) | Q(institute__isnull=True),
            kind__in=FAILED,
            at__gte=since,
            ip_address__isnull=False,
        ).values_list("ip_address", flat=True)
    )
    failed = AccessEvent.objects.filter(
        ip_address__in=concerned, kind__in=FAILED, at__gte=since
    ).values_list("ip_address", "at")
    resets = AccessEvent.objects.filter(
        ADDRESS_UNLOCK, ip_address__in=concerned, at__gte=since
    ).values_list("ip_address", "at")
    return _over_limit(
        [(str(ip), at) for ip, at in failed],
        [(str(ip), at) for ip, at in resets],
        since,
        ADDRESS_LIMIT,
    )


def _over_limit(
    failed: list[tuple[str, datetime.datetime]],
    resets: list[tuple[str, datetime.datetime]],
    since: datetime.datetime,
    limit: int,
) -> list[str]:
    """The keys with at least `limit` failures after their last reset."""
    last_reset: dict[str, datetime.datetime] = {}
    for key, at in resets:
        last_reset[key] = max(at, last_reset.get(key, at))
    counts: dict[str, int] = {}
    for key, at in failed:
        if at > last_reset.get(key, since):
            counts[key] = counts.get(key, 0) + 1
    return sorted(key for key, count in counts.items() if count >= limit)


def unlock(*, username: str, actor: User, request: HttpRequest | None = None) -> None:
    target = User.objects.filter(username__iexact=normalize_username(username)).first()
    record(
        AccessEventKind.UNLOCKED,
        request=request,
        user=target,
        username=normalize_username(username),
        actor=actor,
    )


def unlock_address(*, address: str, actor: User, request: HttpRequest | None = None) -> None:
    record(
        AccessEventKind.UNLOCKED,
        request=request,
        actor=actor,
        ip_address=address,
        detail=f"indirizzo {address}",
    )
