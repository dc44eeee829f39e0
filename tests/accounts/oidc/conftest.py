"""A real OpenID provider for the SPID/CIE login tests, and gateways of the cast's institute."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django.test import Client

from campanella.accounts.models import ClientAuthMethod, GatewayKind, IdentityGateway
from campanella.accounts.oidc.gateways import gateway_save
from campanella.people.models import Guardian, Staff
from campanella.school.models import Institute
from tests.conftest import Cast
from tests.oidc.provider import SECRET, RunningProvider, a_codice_fiscale, running_provider, sign_in

GUARDIAN_CF = a_codice_fiscale("RSSPLA80A41H501")
TEACHER_CF = a_codice_fiscale("BNCMRC75C12F205")
BASE = "http://testserver"


@pytest.fixture(scope="session")
def provider() -> Iterator[RunningProvider]:
    with running_provider([BASE]) as running:
        yield running


def a_gateway(
    provider: RunningProvider,
    institute: Institute,
    *,
    client_id: str = "campanella",
    secret: str = SECRET,
    **fields: object,
) -> IdentityGateway:
    gateway = IdentityGateway(
        institute=institute,
        kind=fields.pop("kind", GatewayKind.SPID),
        name=fields.pop("name", "Gateway di prova"),
        issuer=provider.issuer,
        client_id=client_id,
        **fields,  # type: ignore[arg-type]
    )
    private_key = (
        provider.private_key_pem if gateway.client_auth == ClientAuthMethod.PRIVATE_KEY_JWT else ""
    )
    return gateway_save(actor=None, gateway=gateway, client_secret=secret, private_key=private_key)


@pytest.fixture
def gateway(cast: Cast, provider: RunningProvider) -> IdentityGateway:
    Guardian.objects.filter(user=cast.guardian).update(codice_fiscale=GUARDIAN_CF)
    Staff.objects.filter(user=cast.teacher).update(codice_fiscale=TEACHER_CF)
    return a_gateway(provider, cast.institute)


def start(client: Client, gateway: IdentityGateway, next_url: str = "") -> str:
    """Press "Entra con SPID": the provider's authorization address."""
    query = f"?next={next_url}" if next_url else ""
    response = client.get(f"/accedi/spid/{gateway.pk}/{query}")
    assert response.status_code == 302, response.content[:300]
    return str(response["Location"])


def returned(client: Client, back: str) -> object:
    """The browser arrives back at the callback address the provider gave."""
    parts = urlsplit(back)
    return client.get(f"{parts.path}?{parts.query}")


def spid_login(client: Client, gateway: IdentityGateway, codice_fiscale: str) -> object:
    return returned(client, sign_in(start(client, gateway), codice_fiscale, BASE))
