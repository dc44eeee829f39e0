"""SPID/CIE login through a real OpenID provider (tests/oidc/provider.mjs): who comes in, who
is refused, and what is traced."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from campanella.accounts.models import ClientAuthMethod, IdentityGateway
from campanella.accounts.oidc.views import OIDC_LOGIN, PENDING_OIDC
from campanella.people.models import AccessEvent, AccessEventKind, Guardian, Staff, Student
from tests.accounts.oidc.conftest import (
    BASE,
    GUARDIAN_CF,
    TEACHER_CF,
    a_gateway,
    returned,
    spid_login,
    start,
)
from tests.conftest import Cast
from tests.oidc.provider import RunningProvider, a_codice_fiscale, sign_in

pytestmark = pytest.mark.django_db


def logged_in_as(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


def test_authorization_request_carries_pkce_state_and_nonce(
    cast: Cast, gateway: IdentityGateway
) -> None:
    client = Client()
    location = start(client, gateway)
    query = parse_qs(urlsplit(location).query)
    pending = client.session[PENDING_OIDC]
    assert location.startswith(f"{gateway.issuer}/auth?")
    assert query["state"] == [pending["state"]]
    assert query["nonce"] == [pending["nonce"]]
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"][0] and query["code_challenge"][0] != pending["code_verifier"]
    assert query["redirect_uri"] == [f"{BASE}/accedi/spid/ritorno/"]
    assert query["client_id"] == ["campanella"]


def test_guardian_with_two_children_lands_on_the_portfolio(
    cast: Cast, gateway: IdentityGateway
) -> None:
    client = Client()
    client.get("/accedi/")
    before = client.cookies["sessionid"].value if "sessionid" in client.cookies else None
    response: Any = spid_login(client, gateway, GUARDIAN_CF)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_as(client) == cast.guardian.pk
    assert client.cookies["sessionid"].value != before  # a new session key, as a password login
    event = AccessEvent.objects.filter(user=cast.guardian, kind=AccessEventKind.LOGIN).get()
    assert event.detail == "con SPID (Gateway di prova)"
    assert event.institute_id == cast.institute.pk
    home = client.get("/")
    assert home.status_code == 200
    names = [c.full_name for c in home.context["children_switch"]] if "children_switch" in home.context else None
    page = home.content.decode()
    assert cast.child.name in page and cast.sibling.name in page, names


def test_teacher_comes_in(cast: Cast, gateway: IdentityGateway) -> None:
    client = Client()
    response: Any = spid_login(client, gateway, TEACHER_CF)
    assert response.status_code == 302
    assert logged_in_as(client) == cast.teacher.pk
    assert client.get("/").status_code == 200
