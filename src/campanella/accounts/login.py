"""One login procedure for the page and the API: lock-out, authentication, traces."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _

from campanella.accounts.backends import find_login
from campanella.accounts.security import client_ip, lock_state, normalize_username, record
from campanella.people.models import AccessEventKind, User


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


def login_attempt(request: HttpRequest, username: str, password: str) -> User:
    """The user these credentials open, or LoginRefused with an Italian message."""
    name = normalize_username(username)
    if lock_state(name, client_ip(request)).locked:
        record(AccessEventKind.LOCKED, request=request, user=find_login(name), username=name)
        raise LoginRefused(locked_message(), code="locked")
    user = authenticate(request, username=username, password=password)
    if user is None:
        record(AccessEventKind.LOGIN_FAILED, request=request, user=find_login(name), username=name)
        raise LoginRefused(invalid_message(), code="invalid_credentials")
    assert isinstance(user, User)
    return user


def login_succeeded(request: HttpRequest, user: User, *, detail: str = "") -> None:
    record(AccessEventKind.LOGIN, request=request, user=user, detail=detail)
