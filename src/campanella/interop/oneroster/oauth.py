"""OAuth 2 client credentials (RFC 6749 §4.4) for the OneRoster REST provider, on Authlib's
Django authorization server.

The client is one of the office's back-office API keys (interop.keys) that holds OneRoster
scopes: its client id is `campanella-<key id>`, its secret the key itself (kept only as a
digest). Access tokens are random, live one hour, are kept only as their SHA-256 digest, and
stop working as soon as the key is revoked (checked at every request: the state is in the
database, whichever process answers). Every error description we write is Italian.
"""

from __future__ import annotations

import datetime
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from authlib.integrations.django_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Error, grants
from authlib.oauth2.rfc6749.errors import (
    InsecureTransportError,
    InvalidScopeError,
)
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from campanella.interop.keys import LAST_USE_RESOLUTION, token_digest
from campanella.interop.models import ONEROSTER_CLIENT_PREFIX, ApiKey, KeyScope, OneRosterToken

TOKEN_LIFETIME: Final = datetime.timedelta(hours=1)
CLIENT_ID_PREFIX: Final = ONEROSTER_CLIENT_PREFIX

ROSTER_CORE: Final = KeyScope.ONEROSTER_ROSTER_CORE.value
ROSTER: Final = KeyScope.ONEROSTER_ROSTER.value
DEMOGRAPHICS: Final = KeyScope.ONEROSTER_DEMOGRAPHICS.value
GRADEBOOK: Final = KeyScope.ONEROSTER_GRADEBOOK.value
ONEROSTER_SCOPES: Final = (ROSTER_CORE, ROSTER, DEMOGRAPHICS, GRADEBOOK)

# Authlib's English descriptions of the errors a consumer meets, in Italian (invalid_client's in
# ASCII: it also goes into the WWW-Authenticate header).
_DESCRIPTIONS: Final = {
    "invalid_client": "Client sconosciuto, revocato o con segreto errato.",
    "invalid_request": "Richiesta non valida: mancano parametri o sono ripetuti.",
    "unsupported_grant_type": "Si accetta solo grant_type=client_credentials.",
    "unauthorized_client": "Questo client non può usare il flusso client_credentials.",
    "invalid_scope": "Permesso (scope) non concesso a questo client.",
}


def client_id_of(key: ApiKey) -> str:
    return f"{CLIENT_ID_PREFIX}{key.pk}"  # as ApiKey.oneroster_client_id shows it


def oneroster_scopes_of(key: ApiKey) -> list[str]:
    return [scope for scope in ONEROSTER_SCOPES if scope in key.scopes]


def is_oneroster_client(key: ApiKey) -> bool:
    return bool(oneroster_scopes_of(key))


@dataclass(frozen=True)
class Client(ClientMixin):
    """Authlib's view of an active key with OneRoster scopes."""

    key: ApiKey

    def get_client_id(self) -> str:
        return client_id_of(self.key)

    def get_default_redirect_uri(self) -> str | None:
        return None

    def get_allowed_scope(self, scope: str) -> str:
        granted = oneroster_scopes_of(self.key)
        if not scope:
            return " ".join(granted)
        return " ".join(asked for asked in scope.split() if asked in granted)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(token_digest(client_secret), self.key.digest)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in ClientCredentials.TOKEN_ENDPOINT_AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == ClientCredentials.GRANT_TYPE


class ClientCredentials(grants.ClientCredentialsGrant):
    """The standard grant, with both ways of sending the secret OneRoster consumers use, and a
    refusal (not a silent narrowing) when a scope asked for was not granted to the key."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def validate_requested_scope(self) -> None:
        asked = (self.request.payload.scope or "").split()
        granted = oneroster_scopes_of(self.request.client.key)
        if any(scope not in granted for scope in asked):
            raise InvalidScopeError()
        # No scope asked: every OneRoster scope of the key (RFC 6749 §3.3 lets the server choose).
        self.request.payload.data["scope"] = " ".join(asked or granted)


AddressOf = Callable[[HttpRequest], str | None]


class Server(AuthorizationServer):
    """The token endpoint. `address_of` tells the client's address (behind the proxies the
    deployment trusts: accounts.security, a layer above this app, hands it in)."""

    def __init__(self, address_of: AddressOf) -> None:
        super().__init__(ApiKey, OneRosterToken)
        self.address_of = address_of
        generator = BearerTokenGenerator(
            access_token_generator=lambda **_: secrets.token_urlsafe(32),
            expires_generator=lambda client, grant_type: int(TOKEN_LIFETIME.total_seconds()),
        )
        self.register_token_generator("default", generator)
        self.register_grant(ClientCredentials)

    def query_client(self, client_id: str) -> Client | None:
        number = client_id.removeprefix(CLIENT_ID_PREFIX) if client_id else ""
        if not client_id.startswith(CLIENT_ID_PREFIX) or not number.isdigit() or len(number) > 18:
            return None
        key = ApiKey.objects.filter(pk=int(number), revoked_at__isnull=True).first()
        if key is None or not is_oneroster_client(key):
            return None
        return Client(key)

    def save_token(self, token: dict[str, Any], request: Any) -> OneRosterToken:
        key: ApiKey = request.client.key
        now = timezone.now()
        with transaction.atomic():
            OneRosterToken.objects.filter(key=key, expires_at__lte=now).delete()
            saved = OneRosterToken.objects.create(
                key=key,
                digest=token_digest(token["access_token"]),
                scopes=str(token.get("scope", "")).split(),
                issued_at=now,
                expires_at=now + datetime.timedelta(seconds=int(token["expires_in"])),
            )
            ApiKey.objects.filter(pk=key.pk).update(
                last_used_at=now, last_used_from=self.address_of(request._request)
            )
        return saved

    def handle_error_response(self, request: Any, error: OAuth2Error) -> HttpResponse:
        error.description = _DESCRIPTIONS.get(error.error, error.description)
        if error.error == "invalid_client":
            error.status_code = 401  # whichever way the secret came (RFC 6749 §5.2 allows it)
        return super().handle_error_response(request, error)

    def handle_response(self, status_code: int, payload: Any, headers: Any) -> HttpResponse:
        response: HttpResponse = super().handle_response(status_code, payload, headers)
        response["Content-Type"] = "application/json"
        response["Cache-Control"] = "no-store"
        return response


def token_response(server: Server, request: HttpRequest) -> HttpResponse:
    try:
        return server.create_token_response(request)
    except InsecureTransportError as error:  # the secret came over plain HTTP (RFC 6749 §2.3.1)
        error.description = "Il token si chiede solo attraverso HTTPS."
        return server.handle_response(*error())


# --- the resource side ------------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """What a valid bearer token lets its holder read."""

    institute_id: int
    key_id: int
    scopes: frozenset[str]


def grant_for(authorization: str | None, *, address: str | None = None) -> Grant | None:
    """The grant of an `Authorization: Bearer …` header: None when there is none, or the token
    is unknown, expired, or its key was revoked since. The key's last use is kept (once a
    minute at most, as for the back-office's requests)."""
    scheme, _, raw = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    token = (
        OneRosterToken.objects.select_related("key")
        .filter(
            digest=token_digest(raw.strip()),
            expires_at__gt=timezone.now(),
            key__revoked_at__isnull=True,
        )
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    last = token.key.last_used_at
    if last is None or now - last > LAST_USE_RESOLUTION:
        ApiKey.objects.filter(pk=token.key_id).update(last_used_at=now, last_used_from=address)
    return Grant(
        institute_id=token.key.institute_id, key_id=token.key_id, scopes=frozenset(token.scopes)
    )
