"""The office configures its gateways: secrets kept encrypted and never shown back, a key pair
for private_key_jwt, the change in the history, other institutes kept out."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from campanella.accounts.models import ClientAuthMethod, IdentityGateway
from campanella.accounts.oidc.secrets import decrypt
from campanella.audit.models import Change
from tests.accounts.routes import a_gateway, gateway_body
from tests.conftest import Cast
from tests.test_no_english import Findings

pytestmark = pytest.mark.django_db


def test_office_adds_a_gateway_with_its_secret_encrypted(cast: Cast) -> None:
    client = cast.client_for(cast.office)
    response: Any = client.post("/segreteria/spid/", gateway_body("Gateway regionale"))
    assert response.status_code == 302
    gateway = IdentityGateway.objects.get(name="Gateway regionale")
    assert gateway.institute_id == cast.institute.pk
    assert "un-segreto" not in gateway.client_secret_encrypted
    assert decrypt(gateway.client_secret_encrypted) == "un-segreto"
    page = client.get(response["Location"]).content.decode()
    assert "Gateway regionale" in page and "un-segreto" not in page
    assert "http://testserver/accedi/spid/ritorno/" in page  # to register at the gateway
    change = Change.objects.get(content_type=ContentType.objects.get_for_model(IdentityGateway))
    assert change.after["client_id"] == "campanella"
    assert "client_secret_encrypted" not in change.after


def test_a_blank_secret_keeps_the_one_saved(cast: Cast) -> None:
    gateway = a_gateway(cast)
    client = cast.client_for(cast.office)
    body = {**gateway_body("Gateway di A"), "client_secret": ""}
    assert client.post(f"/segreteria/spid/{gateway.pk}/", body).status_code == 302
    gateway.refresh_from_db()
    assert decrypt(gateway.client_secret_encrypted) == "segreto-di-a"
    assert gateway.issuer == "https://gateway.example/oidc"


def test_private_key_jwt_gets_a_key_pair_and_shows_its_public_half(cast: Cast) -> None:
    client = cast.client_for(cast.office)
    body = {**gateway_body("Gateway con chiave"), "client_auth": "private_key_jwt"}
    del body["client_secret"]
    response: Any = client.post("/segreteria/spid/", body)
    gateway = IdentityGateway.objects.get(name="Gateway con chiave")
    assert gateway.client_auth == ClientAuthMethod.PRIVATE_KEY_JWT
    assert "PRIVATE KEY" in decrypt(gateway.private_key_encrypted)
    page = client.get(response["Location"]).content.decode()
    assert "&quot;kty&quot;: &quot;RSA&quot;" in page
    assert "PRIVATE" not in page and "&quot;d&quot;" not in page


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"issuer": "http://gateway.example/oidc"}, "issuer"),  # not HTTPS
        ({"scopes": "profile"}, "scopes"),
        ({"client_secret": ""}, "client_secret"),
        ({"students_from_age": "5"}, "students_from_age"),
        ({"client_auth": "private_key_jwt", "private_key": "non una chiave"}, "private_key"),
    ],
)
def test_invalid_settings_are_refused(cast: Cast, change: dict[str, str], field: str) -> None:
    client = cast.client_for(cast.office)
    response: Any = client.post("/segreteria/spid/", {**gateway_body("Sbagliato"), **change})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not IdentityGateway.objects.exists()


def test_other_institutes_office_cannot_see_or_change_it(cast: Cast) -> None:
    gateway = a_gateway(cast)
    client = cast.client_for(cast.foreign_office)
    assert client.get(f"/segreteria/spid/{gateway.pk}/").status_code == 404
    assert "Gateway di A" not in client.get("/segreteria/spid/").content.decode()
    assert cast.client_for(cast.teacher).get("/segreteria/spid/").status_code == 404


def test_the_pages_are_italian(cast: Cast) -> None:
    findings = Findings()
    gateway = a_gateway(cast)
    office = cast.client_for(cast.office)
    findings.read(office.get("/segreteria/spid/"), "servizi")
    findings.read(office.get(f"/segreteria/spid/{gateway.pk}/"), "servizio")
    findings.read(office.post("/segreteria/spid/", {"name": ""}), "errori")
    findings.read(Client().get("/accedi/"), "accesso")
    findings.read(Client().get("/accedi/spid/ritorno/"), "rifiuto")
    findings.assert_none(at_least=5)
