"""The OpenID Connect relying party: discovery, the authorization request with PKCE, state and
nonce, the code exchange, the ID token's verification, the gateway's logout address.

Authlib's requests client does the protocol (PKCE S256, client authentication including
private_key_jwt) and its OpenID claims class the ID token's rules; joserfc checks the signature
with the gateway's published keys. Discovery and keys are cached (Django's cache): they are
public and change rarely; what must not be forged (state, nonce, PKCE verifier) lives in the
session, which is in the database or Redis."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import asdict, dataclass
from typing import Any, cast
from urllib.parse import urlsplit

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oidc.core import CodeIDToken
from django.core.cache import cache
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from campanella.accounts.models import ClientAuthMethod, IdentityGateway
from campanella.accounts.oidc.secrets import SecretUnreadable, decrypt

HTTP_TIMEOUT = 10  # seconds for each call to the gateway
METADATA_SECONDS = 3600  # discovery and keys: re-read every hour, or at once on an unknown key
LEEWAY_SECONDS = 60  # clocks of the gateway and ours may differ this much
PENDING_SECONDS = 15 * 60  # a login started and not finished within this time is refused
SPID_PREFIX = "TINIT-"


class GatewayError(Exception):
    """The gateway could not be used or its answer was not valid; `reason` goes in the trace
    (never a secret, never a token)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PendingLogin:
    """A login sent to the gateway, kept in the session until it comes back."""

    gateway_id: int
    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    next: str
    started_at: float

    def as_session(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_session(cls, value: object) -> PendingLogin | None:
        if not isinstance(value, dict):
            return None
        try:
            return cls(**value)
        except TypeError:
            return None

    @property
    def expired(self) -> bool:
        return time.time() - self.started_at > PENDING_SECONDS


def _cache_key(kind: str, url: str) -> str:
    return f"campanella:oidc:{kind}:{hashlib.sha256(url.encode()).hexdigest()}"


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        raise GatewayError(f"lettura di {url} non riuscita: {type(error).__name__}") from None
    if not isinstance(data, dict):
        raise GatewayError(f"risposta non valida da {url}")
    return data


def provider_metadata(gateway: IdentityGateway) -> dict[str, Any]:
    """The gateway's discovery document (OpenID Connect Discovery 1.0), checked and cached."""
    issuer = gateway.issuer.rstrip("/")
    key = _cache_key("discovery", issuer)
    metadata = cache.get(key)
    if metadata is None:
        metadata = _get_json(f"{issuer}/.well-known/openid-configuration")
        # §4.3: the document must name the very issuer it was read from.
        if str(metadata.get("issuer", "")).rstrip("/") != issuer:
            raise GatewayError("l'emittente della configurazione non corrisponde")
        for needed in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not metadata.get(needed):
                raise GatewayError(f"configurazione senza {needed}")
        cache.set(key, metadata, METADATA_SECONDS)
    return dict(metadata)


def _key_set(metadata: dict[str, Any], *, fresh: bool = False) -> KeySet:
    uri = str(metadata["jwks_uri"])
    key = _cache_key("jwks", uri)
    jwks = None if fresh else cache.get(key)
    if jwks is None:
        jwks = _get_json(uri)
        cache.set(key, jwks, METADATA_SECONDS)
    try:
        return KeySet.import_key_set(cast(Any, jwks))
    except (JoseError, ValueError, TypeError, KeyError):
        raise GatewayError("chiavi pubbliche del servizio non valide") from None


def client_credential(gateway: IdentityGateway) -> str:
    """What authenticates us at the token endpoint: the secret, or the PEM private key."""
    stored = (
        gateway.private_key_encrypted
        if gateway.client_auth == ClientAuthMethod.PRIVATE_KEY_JWT
        else gateway.client_secret_encrypted
    )
    try:
        return decrypt(stored)
    except SecretUnreadable:
        raise GatewayError("credenziali del client illeggibili: salvarle di nuovo") from None


def _client(gateway: IdentityGateway, metadata: dict[str, Any], redirect_uri: str) -> Any:
    session = OAuth2Session(
        client_id=gateway.client_id,
        client_secret=client_credential(gateway),
        token_endpoint_auth_method=gateway.client_auth,
        scope=gateway.scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        default_timeout=HTTP_TIMEOUT,
    )
    if gateway.client_auth == ClientAuthMethod.PRIVATE_KEY_JWT:
        session.register_client_auth_method(PrivateKeyJWT(metadata["token_endpoint"]))
    return session


def authorization_request(
    gateway: IdentityGateway, redirect_uri: str, next_url: str
) -> tuple[str, PendingLogin]:
    """Where to send the browser, and what to keep in the session to check its return."""
    metadata = provider_metadata(gateway)
    pending = PendingLogin(
        gateway_id=gateway.pk,
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(64),
        redirect_uri=redirect_uri,
        next=next_url,
        started_at=time.time(),
    )
    with _client(gateway, metadata, redirect_uri) as client:
        url, _state = client.create_authorization_url(
            metadata["authorization_endpoint"],
            state=pending.state,
            code_verifier=pending.code_verifier,
            nonce=pending.nonce,
        )
    return url, pending


def exchange_code(gateway: IdentityGateway, pending: PendingLogin, code: str) -> dict[str, Any]:
    """The token response for this code (the gateway checks the PKCE verifier and our client
    authentication; a code already used is refused there)."""
    metadata = provider_metadata(gateway)
    with _client(gateway, metadata, pending.redirect_uri) as client:
        try:
            token = client.fetch_token(
                metadata["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=pending.code_verifier,
            )
        except Exception as error:
            raise GatewayError(f"scambio del codice non riuscito: {type(error).__name__}") from None
    if not isinstance(token, dict) or "id_token" not in token or "access_token" not in token:
        raise GatewayError("risposta senza id_token")
    return dict(token)


def verified_claims(
    gateway: IdentityGateway, token: dict[str, Any], nonce: str, *, now: int | None = None
) -> dict[str, Any]:
    """The ID token's claims once its signature (the gateway's keys), issuer, audience (our
    client id), expiry, nonce and access-token hash are checked."""
    metadata = provider_metadata(gateway)
    algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    registry = JWSRegistry(algorithms=[a for a in algorithms if a != "none"])
    raw = str(token["id_token"])
    try:
        try:
            decoded = jwt.decode(raw, _key_set(metadata), registry=registry)
        except JoseError:
            # The gateway may have rotated its keys since we cached them: read them once more.
            decoded = jwt.decode(raw, _key_set(metadata, fresh=True), registry=registry)
    except (JoseError, ValueError):
        raise GatewayError("firma del token d'identità non valida") from None
    audience = decoded.claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if gateway.client_id not in audiences:
        raise GatewayError("token d'identità destinato a un altro client")
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        {"iss": {"essential": True, "value": metadata["issuer"]}},
        {"nonce": nonce, "client_id": gateway.client_id, "access_token": token["access_token"]},
    )
    try:
        claims.validate(now=now if now is not None else int(time.time()), leeway=LEEWAY_SECONDS)
    except JoseError as error:
        raise GatewayError(f"token d'identità non valido: {error}") from None
    return dict(claims)


def identity_claims(
    gateway: IdentityGateway, token: dict[str, Any], id_claims: dict[str, Any]
) -> dict[str, Any]:
    """The claims carrying the person's attributes: the ID token's, else the UserInfo
    endpoint's (whose `sub` must be the ID token's, OpenID Connect Core §5.3.2)."""
    if gateway.fiscal_number_claim in id_claims:
        return id_claims
    metadata = provider_metadata(gateway)
    endpoint = metadata.get("userinfo_endpoint")
    if not endpoint:
        raise GatewayError("nessun attributo con il codice fiscale")
    try:
        response = requests.get(
            endpoint,
            headers={"Authorization": f"Bearer {token['access_token']}"},
            timeout=HTTP_TIMEOUT,
        )
        response.raise_for_status()
        info = response.json()
    except (requests.RequestException, ValueError) as error:
        raise GatewayError(
            f"lettura degli attributi non riuscita: {type(error).__name__}"
        ) from None
    if not isinstance(info, dict) or info.get("sub") != id_claims.get("sub"):
        raise GatewayError("attributi di un'altra persona")
    return info


def fiscal_code(gateway: IdentityGateway, claims: dict[str, Any]) -> str:
    """The codice fiscale in the configured claim, without SPID's TINIT- prefix."""
    value = claims.get(gateway.fiscal_number_claim)
    if not isinstance(value, str) or not value.strip():
        raise GatewayError("nessun attributo con il codice fiscale")
    code = value.strip().upper()
    return code.removeprefix(SPID_PREFIX)


def logout_origin(gateway: IdentityGateway) -> str:
    """The scheme and host of the gateway's end-session address ("" if it has none)."""
    try:
        endpoint = str(provider_metadata(gateway).get("end_session_endpoint") or "")
    except GatewayError:
        return ""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in {"http", "https"} else ""


def logout_url(
    gateway: IdentityGateway, id_token: str, post_logout_redirect_uri: str
) -> str | None:
    """The gateway's end-session address for this login (RP-Initiated Logout), if it has one."""
    try:
        metadata = provider_metadata(gateway)
    except GatewayError:
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    request = requests.Request(
        "GET",
        endpoint,
        params={
            "id_token_hint": id_token,
            "client_id": gateway.client_id,
            "post_logout_redirect_uri": post_logout_redirect_uri,
        },
    ).prepare()
    return str(request.url)
