"""One login procedure for the page and the API: lock-out, authentication, traces."""

from __future__ import annotations

import datetime

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from campanella.accounts import totp
from campanella.accounts.backends import find_login
from campanella.accounts.security import (
    AttemptLocked,
    attempt_ended,
    attempt_open,
    attempt_passed,
    normalize_username,
    record,
)
from campanella.people.models import AccessEvent, AccessEventKind, User


class LoginRefused(Exception):
    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def locked_message() -> str:
    return _(
        "Troppi tentativi non riusciti: l'accesso è sospeso per 15 minuti. "
        "Riprova più tardi oppure chiedi alla segreteria di sbloccarlo."
    )


def invalid_message() -> str:
    return _(
        "Nome utente o password non corretti. Attenzione: le maiuscole contano nella password."
    )


def ended_message(on: datetime.date | None) -> str:
    if on is None:
        return _("Il tuo accesso è terminato. Per informazioni rivolgiti alla segreteria.")
    return _(
        "Il tuo accesso è terminato il %(date)s. Per informazioni rivolgiti alla segreteria."
    ) % {"date": date_format(on, "j F Y")}


def access_ended_on(user: User) -> datetime.date | None:
    """The day the office or the leavers' job ended this login (None if not traced)."""
    ended = (
        AccessEvent.objects.filter(user=user, kind=AccessEventKind.ACCESS_REVOKED)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return timezone.localdate(ended) if ended is not None else None


def login_attempt(request: HttpRequest, username: str, password: str) -> User:
    """The user these credentials open, or LoginRefused with an Italian message.

    A login whose access ended hears so only after its right password (one check, as for any
    login: no timing tells it apart); a wrong one gets the usual message and counts as usual.
    """
    name = normalize_username(username)
    account = find_login(name)
    try:
        attempt = attempt_open(request=request, user=account, username=name)
    except AttemptLocked:
        raise LoginRefused(locked_message(), code="locked") from None
    if account is not None and not account.is_active:
        if not account.check_password(password):
            raise LoginRefused(invalid_message(), code="invalid_credentials")
        attempt_ended(attempt)
        raise LoginRefused(ended_message(access_ended_on(account)), code="access_ended")
    user = authenticate(request, username=username, password=password)
    if user is None:
        raise LoginRefused(invalid_message(), code="invalid_credentials")
    assert isinstance(user, User)
    attempt_passed(attempt)
    return user


def code_attempt(request: HttpRequest, user: User, code: str) -> None:
    """Check a two-step code; each wrong one counts into the account's lock-out."""
    try:
        attempt = attempt_open(
            request=request, user=user, username=user.username, kind=AccessEventKind.TOTP_FAILED
        )
    except AttemptLocked:
        raise LoginRefused(locked_message(), code="locked") from None
    if not totp.verify(user, code):
        raise LoginRefused(code_message(), code="otp_required")
    attempt_passed(attempt)


def code_message() -> str:
    return _("Codice non valido o già usato. Controlla l'ora del telefono.")


def login_succeeded(request: HttpRequest, user: User, *, detail: str = "") -> None:
    record(AccessEventKind.LOGIN, request=request, user=user, detail=detail)
