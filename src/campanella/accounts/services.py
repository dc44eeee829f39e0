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
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from campanella.accounts import totp
from campanella.accounts.login import LoginRefused, code_attempt, locked_message, login_attempt
from campanella.accounts.mailing import school_name
from campanella.accounts.models import ApiToken, credential_digest, token_digest
from campanella.accounts.security import (
    AttemptLocked,
    attempt_open,
    attempt_passed,
    client_ip,
    record,
)
from campanella.accounts.tasks import send_mail
from campanella.people.access import access_changed
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
        credential_digest=credential_digest(user),
    )
    return token, raw


def api_token_login(
    *, request: HttpRequest, username: str, password: str, otp: str = ""
) -> tuple[ApiToken, str]:
    """Same checks as the login page (lock-out, 2-step code); raises LoginRefused."""
    user = login_attempt(request, username, password)
    if user.must_change_password:
        raise LoginRefused(
            _("Password temporanea: cambiarla prima accedendo dal sito."),
            code="password_change_required",
        )
    if user.totp_confirmed:
        if not otp.strip():
            # No guess was made: nothing to count, the app asks for the code.
            raise LoginRefused(_("Serve il codice di verifica (campo otp)."), code="otp_required")
        code_attempt(request, user, otp)
    record(AccessEventKind.LOGIN, request=request, user=user, detail="API")
    return api_token_issue(user=user, ip_address=client_ip(request))


def api_token_user(raw_token: str) -> Any | None:
    """The active user a valid, unexpired token belongs to, else None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(raw_token), expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if not hmac.compare_digest(token.credential_digest, credential_digest(token.user)):
        return None  # the password changed, or every session was closed, since it was issued
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
    # Dead already (they remember the old credential): only the rows go.
    ApiToken.objects.filter(user=user).delete()
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


@transaction.atomic
def email_link_token(user: User, email: str) -> str:
    """A verification link's token: it replaces any earlier one of this login."""
    nonce = secrets.token_urlsafe(16)
    User.objects.filter(pk=user.pk).update(email_link_nonce=nonce)
    user.email_link_nonce = nonce
    payload = {"u": user.pk, "e": email.strip().lower(), "n": nonce, "c": credential_digest(user)}
    return signing.dumps(payload, salt=EMAIL_LINK_SALT)


class EmailLinkInvalid(Exception):
    """Expired, used, replaced by a newer link, or opened by another login."""


@dataclass(frozen=True)
class EmailLinkCheck:
    user: User
    email: str
    nonce: str
    holder: User | None  # another account already logging in with this e-mail


def email_link_check(token: str, *, opened_by: Any) -> EmailLinkCheck:
    """Decode a verification link for the login that opens it; EmailLinkInvalid otherwise.

    A link works once, only for the login that asked for it, and dies with a newer link or a
    change of password (its credential digest no longer matches).
    """
    try:
        data = signing.loads(token, salt=EMAIL_LINK_SALT, max_age=settings.PASSWORD_RESET_TIMEOUT)
        user = User.objects.get(pk=data["u"], is_active=True)
    except (signing.BadSignature, User.DoesNotExist, KeyError, TypeError):
        raise EmailLinkInvalid from None
    if (
        getattr(opened_by, "pk", None) != user.pk
        or not user.email_link_nonce
        or not hmac.compare_digest(user.email_link_nonce, str(data.get("n", "")))
        or not hmac.compare_digest(credential_digest(user), str(data.get("c", "")))
    ):
        raise EmailLinkInvalid
    holder = User.objects.filter(login_email__iexact=data["e"]).exclude(pk=user.pk).first()
    return EmailLinkCheck(user=user, email=data["e"], nonce=user.email_link_nonce, holder=holder)


def _email_link_use(check: EmailLinkCheck) -> None:
    """Spend the link, once: of two parallel uses one finds it gone."""
    used = User.objects.filter(pk=check.user.pk, email_link_nonce=check.nonce).update(
        email_link_nonce=""
    )
    if not used:
        raise EmailLinkInvalid


@transaction.atomic
def email_link_confirm(*, request: HttpRequest, check: EmailLinkCheck) -> None:
    _email_link_use(check)
    user = User.objects.select_for_update().get(pk=check.user.pk)
    previous = user.login_email
    user.login_email = check.email
    user.email = check.email
    user.save(update_fields=["login_email", "email"])
    record(AccessEventKind.EMAIL_LINKED, request=request, user=user, detail=check.email)
    if previous and previous.lower() != check.email:
        transaction.on_commit(lambda: _tell_previous_address(user, previous, check.email))


def _tell_previous_address(user: User, previous: str, new: str) -> None:
    send_mail.enqueue(
        to=previous,
        template="accounts/email/email_changed",
        context={"username": user.username, "masked": mask_email(new)},
        school=school_name(user),
    )


class MergeRefused(Exception):
    pass


def person_name(user: User) -> str:
    """The person behind a login, as the school knows them (guardian or staff record)."""
    for record_model in (Guardian, Staff, Student):
        found = record_model.objects.filter(user=user).order_by("pk").first()
        if found is not None:
            return found.full_name
    return user.get_full_name()


def can_be_absorbed(user: User) -> bool:
    """Only family accounts join a portfolio: a student's or a staff login stays on its own."""
    return (
        not Student.objects.filter(user=user).exists()
        and not Staff.objects.filter(user=user).exists()
    )


def accounts_merge(*, request: HttpRequest, check: EmailLinkCheck, password: str) -> User:
    """Join the login that asked (a guardian's) into the one holding the e-mail.

    The password of the holder proves the person holds both accounts; a wrong one counts into
    the holder's lock-out (checked outside the transaction, so the failure stays counted). The
    absorbed login stays as a record (its username still opens the kept one), never deleted.
    """
    keep, absorb = check.holder, check.user
    if keep is None or keep.pk == absorb.pk or not can_be_absorbed(absorb):
        raise MergeRefused(_("Solo gli accessi dei genitori possono essere uniti."))
    try:
        attempt = attempt_open(
            request=request, user=keep, username=keep.username, detail="unione accessi"
        )
    except AttemptLocked:
        raise MergeRefused(locked_message()) from None
    if not keep.check_password(password):
        raise MergeRefused(
            _("La password dell'accesso %(login)s non è corretta.") % {"login": keep.username}
        )
    attempt_passed(attempt)
    return _accounts_join(request=request, check=check, keep=keep, absorb=absorb)


@transaction.atomic
def _accounts_join(
    *, request: HttpRequest, check: EmailLinkCheck, keep: User, absorb: User
) -> User:
    try:
        _email_link_use(check)
    except EmailLinkInvalid:
        raise MergeRefused(_("Il collegamento è scaduto o è già stato usato.")) from None
    Guardian.objects.filter(user=absorb).update(user=keep)
    absorb.merged_into = keep
    absorb.is_active = False
    absorb.login_email = None
    absorb.save(update_fields=["merged_into", "is_active", "login_email"])
    ApiToken.objects.filter(user=absorb).delete()
    access_changed([keep.pk, absorb.pk])
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
    """Masks for a username with no address to offer (unknown, or none on file): the masked
    addresses of a real login, picked by the username, so that their letters, domains and count
    follow exactly what real logins show. The same username always gets the same login
    (rendezvous hashing: a login added later takes over only the names it wins)."""
    key = hmac.new(settings.SECRET_KEY.encode(), username.upper().encode(), hashlib.sha256)
    seed = key.digest()

    def weight(user_id: int) -> bytes:
        return hashlib.sha256(seed + user_id.to_bytes(8, "big")).digest()

    pool = list(with_addresses().values_list("pk", flat=True))
    if not pool:
        return [mask_email(f"{seed.hex()[:6]}@{seed.hex()[6:10]}.it")]
    chosen = User.objects.get(pk=max(pool, key=weight))
    return [mask_email(address) for address in addresses_on_file(chosen)]


def with_addresses() -> Any:
    """Active logins for which the school has at least one address."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(login_email__isnull=False)
            | ~Q(email="")
            | Q(guardian_profiles__email__gt="")
            | Q(staff_profile__email__gt="")
        )
        .distinct()
    )


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
