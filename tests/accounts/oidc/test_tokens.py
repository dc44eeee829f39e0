"""The ID token's checks on real tokens of the provider: another client's token (wrong
audience), an expired one, a forged signature, a wrong nonce."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from joserfc import jwt

from campanella.accounts.models import IdentityGateway
from campanella.accounts.oidc import protocol
from campanella.accounts.oidc.protocol import GatewayError, PendingLogin
from campanella.accounts.oidc.views import PENDING_OIDC
from tests.accounts.oidc.conftest import BASE, GUARDIAN_CF, a_gateway, start
from tests.conftest import Cast
from tests.oidc.provider import OTHER_SECRET, RunningProvider, sign_in

pytestmark = pytest.mark.django_db


def real_token(client: Client, gateway: IdentityGateway) -> tuple[dict[str, Any], PendingLogin]:
    """A token response of the provider for `gateway`'s client, with its pending login."""
    back = sign_in(start(client, gateway), GUARDIAN_CF, BASE)
    pending = PendingLogin.from_session(client.session[PENDING_OIDC])
    assert pending is not None
    code = parse_qs(urlsplit(back).query)["code"][0]
    return protocol.exchange_code(gateway, pending, code), pending


def test_a_real_token_passes(cast: Cast, gateway: IdentityGateway) -> None:
    token, pending = real_token(Client(), gateway)
    claims = protocol.verified_claims(gateway, token, pending.nonce)
    assert claims["aud"] == "campanella"
    assert claims["sub"] == GUARDIAN_CF


def test_token_of_another_client_is_refused(
    cast: Cast, gateway: IdentityGateway, provider: RunningProvider
) -> None:
    other = a_gateway(provider, cast.institute, client_id="altro", secret=OTHER_SECRET)
    token, pending = real_token(Client(), other)  # signed by the same provider, for "altro"
    with pytest.raises(GatewayError, match="altro client"):
        protocol.verified_claims(gateway, token, pending.nonce)


def test_expired_token_is_refused(cast: Cast, gateway: IdentityGateway) -> None:
    token, pending = real_token(Client(), gateway)
    expiry = jwt.decode(token["id_token"], protocol._key_set(protocol.provider_metadata(gateway)))
    later = int(expiry.claims["exp"]) + protocol.LEEWAY_SECONDS + 1
    with pytest.raises(GatewayError, match="exp"):
        protocol.verified_claims(gateway, token, pending.nonce, now=later)
    assert protocol.verified_claims(gateway, token, pending.nonce, now=int(time.time()))


def test_wrong_nonce_is_refused(cast: Cast, gateway: IdentityGateway) -> None:
    token, _pending = real_token(Client(), gateway)
    with pytest.raises(GatewayError, match="nonce"):
        protocol.verified_claims(gateway, token, "un-altro-nonce")


def test_forged_signature_is_refused(cast: Cast, gateway: IdentityGateway) -> None:
    token, pending = real_token(Client(), gateway)
    header, payload, signature = token["id_token"].split(".")
    forged = {**token, "id_token": f"{header}.{payload}.{signature[::-1]}"}
    with pytest.raises(GatewayError, match="firma"):
        protocol.verified_claims(gateway, forged, pending.nonce)


def test_issuer_of_the_discovery_must_match(cast: Cast, gateway: IdentityGateway) -> None:
    gateway.issuer = gateway.issuer.replace("127.0.0.1", "localhost")
    with pytest.raises(GatewayError, match="emittente"):
        protocol.provider_metadata(gateway)
