"""Writes about access: API tokens, passwords, linked e-mail, portfolio joins, 2-step codes."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from campanella.accounts import totp
from campanella.accounts.login import LoginRefused, login_attempt
from campanella.accounts.models import ApiToken, token_digest
from campanella.accounts.security import record
from campanella.people.models import AccessEventKind, Guardian, Staff, Student, User

TOKEN_LIFETIME = datetime.timedelta(days=30)
# Touching last_used_at on every request would turn every API read into a write.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=5)
EMAIL_LINK_SALT = "campanella.accounts.email-link"


# --- API tokens -------------------------------------------------------------------------------


@transaction.atomic
def api_token_issue(*, user: Any, ip_address: str | None = None) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the record and the raw token (shown only once)."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        digest=token_digest(raw),
        expires_at=timezone.now() + TOKEN_LIFETIME,
        created_from=ip_address,
    )
    return token, raw


def api_token_login(
    *, request: HttpRequest, username: str, password: str, otp: str = ""
) -> tuple[ApiToken, str]:
    """Same checks as the login page (lock-out, 2-step code); raises LoginRefused."""
    user = login_attempt(request, username, password)
    if user.must_change_password:
        raise LoginRefused(
            "Password temporanea: cambiarla prima accedendo dal sito.",
            code="password_change_required",
        )
    if user.totp_confirmed and not totp.verify(user, otp):
        record(AccessEventKind.TOTP_FAILED, request=request, user=user)
        raise LoginRefused("Serve il codice di verifica (campo otp).", code="otp_required")
    record(AccessEventKind.LOGIN, request=request, user=user, detail="API")
    return api_token_issue(user=user, ip_address=request.META.get("REMOTE_ADDR"))


def api_token_user(raw_token: str) -> Any | None:
    """The active user a valid, unexpired token belongs to, else None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(raw_token), expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def api_token_revoke(*, raw_token: str) -> bool:
    deleted, _ = ApiToken.objects.filter(digest=token_digest(raw_token)).delete()
    return deleted > 0


# --- passwords and sessions -------------------------------------------------------------------


@transaction.atomic
def password_changed(*, request: HttpRequest, user: User, via_link: bool = False) -> None:
    """After a new password: no longer temporary, other sessions closed, traced."""
    user.must_change_password = False
    user.session_epoch += 1
    user.save(update_fields=["must_change_password", "session_epoch"])
    if request.user.is_authenticated and request.user.pk == user.pk:
        update_session_auth_hash(request, user)
    kind = AccessEventKind.PASSWORD_RESET if via_link else AccessEventKind.PASSWORD_CHANGED
    record(kind, request=request, user=user)


@transaction.atomic
def logout_everywhere(*, request: HttpRequest, user: User) -> None:
    """Every other session and every API token stops working; this session stays."""
    user.session_epoch += 1
    user.save(update_fields=["session_epoch"])
    ApiToken.objects.filter(user=user).delete()
    update_session_auth_hash(request, user)
    record(AccessEventKind.LOGOUT_EVERYWHERE, request=request, user=user)


# --- linked e-mail and the family portfolio --------------------------------------------------


def email_link_token(user: User, email: str) -> str:
    return signing.dumps({"u": user.pk, "e": email.strip().lower()}, salt=EMAIL_LINK_SALT)


@dataclass(frozen=True)
class EmailLinkCheck:
    user: User
    email: str
    holder: User | None  # another account already logging in with this e-mail


def email_link_check(token: str) -> EmailLinkCheck:
    """Decode a verification link; raises signing.BadSignature (or SignatureExpired)."""
    data = signing.loads(token, salt=EMAIL_LINK_SALT, max_age=settings.PASSWORD_RESET_TIMEOUT)
    user = User.objects.get(pk=data["u"], is_active=True)
    holder = User.objects.filter(login_email__iexact=data["e"]).exclude(pk=user.pk).first()
    return EmailLinkCheck(user=user, email=data["e"], holder=holder)


@transaction.atomic
def email_link_confirm(*, request: HttpRequest, check: EmailLinkCheck) -> None:
    user = User.objects.select_for_update().get(pk=check.user.pk)
    user.login_email = check.email
    user.email = check.email
    user.save(update_fields=["login_email", "email"])
    record(AccessEventKind.EMAIL_LINKED, request=request, user=user, detail=check.email)


class MergeRefused(Exception):
    pass


def can_be_absorbed(user: User) -> bool:
    """Only family accounts join a portfolio: a student's or a staff login stays on its own."""
    return (
        not Student.objects.filter(user=user).exists()
        and not Staff.objects.filter(user=user).exists()
    )


@transaction.atomic
def accounts_merge(*, request: HttpRequest, keep: User, absorb: User, password: str) -> User:
    """Join `absorb` (a guardian login) into `keep`: one login, all the children.

    The password of `keep` proves the person holds both accounts. `absorb` stays as a record
    (its username still opens `keep`), never deleted.
    """
    if not keep.check_password(password):
        record(AccessEventKind.LOGIN_FAILED, request=request, user=keep, detail="unione accessi")
        raise MergeRefused("La password dell'altro accesso non è corretta.")
    if keep.pk == absorb.pk or not can_be_absorbed(absorb):
        raise MergeRefused("Solo gli accessi dei genitori possono essere uniti.")
    Guardian.objects.filter(user=absorb).update(user=keep)
    absorb.merged_into = keep
    absorb.is_active = False
    absorb.login_email = None
    absorb.save(update_fields=["merged_into", "is_active", "login_email"])
    ApiToken.objects.filter(user=absorb).delete()
    record(
        AccessEventKind.ACCOUNTS_MERGED,
        request=request,
        user=keep,
        detail=f"{absorb.username} unito a {keep.username}",
    )
    return keep


# --- recovery ---------------------------------------------------------------------------------


def mask_email(address: str) -> str:
    """m***o@g***.it: enough to recognise one's own address, not to learn someone else's."""
    local, _, domain = address.partition("@")
    host, _, tld = domain.rpartition(".")
    shown_local = local[0] + "***" + (local[-1] if len(local) > 1 else "")
    shown_host = (host[:1] + "***") if host else "***"
    return f"{shown_local}@{shown_host}.{tld}"


def addresses_on_file(user: User) -> list[str]:
    """Where a recovery link may go: the linked e-mail and the ones the school has on file."""
    found = [user.login_email or "", user.email]
    found += list(Guardian.objects.filter(user=user).values_list("email", flat=True))
    found += list(Staff.objects.filter(user=user).values_list("email", flat=True))
    unique: list[str] = []
    for address in found:
        if address and address.lower() not in {a.lower() for a in unique}:
            unique.append(address)
    return unique


def decoy_addresses(username: str) -> list[str]:
    """Stable made-up masks for unknown usernames, so the page reveals nothing."""
    digest = hmac.new(settings.SECRET_KEY.encode(), username.upper().encode(), hashlib.sha256)
    seed = digest.digest()
    letters = "abcdefghilmnoprstuvz"
    domains = ["g***.com", "l***.it", "h***.it", "y***.it", "t***.it"]
    count = 1 + seed[0] % 2
    return [
        f"{letters[seed[1 + i] % 20]}***{letters[seed[3 + i] % 20]}@{domains[seed[5 + i] % 5]}"
        for i in range(count)
    ]


# --- two-step verification --------------------------------------------------------------------


@transaction.atomic
def totp_enable(*, request: HttpRequest, user: User, secret: str, code: str) -> bool:
    if not totp.verify(user, code, secret=secret):
        return False
    user.totp_secret = secret
    user.totp_confirmed = True
    user.save(update_fields=["totp_secret", "totp_confirmed"])
    record(AccessEventKind.TOTP_ENABLED, request=request, user=user)
    return True


@transaction.atomic
def totp_disable(*, request: HttpRequest, user: User, actor: User | None = None) -> None:
    user.totp_secret = ""
    user.totp_confirmed = False
    user.save(update_fields=["totp_secret", "totp_confirmed"])
    record(AccessEventKind.TOTP_DISABLED, request=request, user=user, actor=actor)
