"""Optional two-step verification for staff, enforceable for the office and the principal."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, Cast

pytestmark = pytest.mark.django_db


def enable(client: Client) -> str:
    page = client.get(reverse("accounts:totp_setup")).content.decode()
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")  # type: ignore[union-attr]
    response = client.post(reverse("accounts:totp_setup"), {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    return secret


def next_code(secret: str) -> str:
    """The next 30-second code: the current one was spent when enabling (no replays)."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_enable_then_login_needs_the_code(cast: Cast) -> None:
    secret = enable(cast.client_for(cast.teacher))
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": "teacher", "password": PASSWORD})
    assert response.url == reverse("accounts:login_code")
    assert client.get(reverse("accounts:home")).status_code == 302  # not logged in yet
    wrong = client.post(reverse("accounts:login_code"), {"code": "000000"})
    assert "Codice non valido" in wrong.content.decode()
    ok = client.post(reverse("accounts:login_code"), {"code": next_code(secret)})
    assert ok.status_code == 302
    assert client.get(reverse("accounts:home")).status_code == 200


def test_a_code_cannot_be_used_twice(cast: Cast) -> None:
    secret = enable(cast.client_for(cast.teacher))
    code = next_code(secret)
    first = Client()
    first.post(reverse("accounts:login"), {"username": "teacher", "password": PASSWORD})
    assert first.post(reverse("accounts:login_code"), {"code": code}).status_code == 302
    second = Client()
    second.post(reverse("accounts:login"), {"username": "teacher", "password": PASSWORD})
    assert second.post(reverse("accounts:login_code"), {"code": code}).status_code == 200


def test_api_asks_for_the_code(cast: Cast) -> None:
    secret = enable(cast.client_for(cast.teacher))
    body = {"username": "teacher", "password": PASSWORD}
    refused = Client().post("/api/v1/auth/token", body, content_type="application/json")
    assert refused.status_code == 401 and refused.json()["code"] == "otp_required"
    body["otp"] = next_code(secret)
    assert (
        Client().post("/api/v1/auth/token", body, content_type="application/json").status_code
        == 200
    )


def test_institute_can_require_it_for_the_office(cast: Cast) -> None:
    cast.institute.totp_required_for_office = True
    cast.institute.save()
    client = cast.client_for(cast.office)
    response = client.get(reverse("accounts:home"))
    assert response.status_code == 302 and response.url == reverse("accounts:totp_setup")
    enable(client)
    assert client.get(reverse("accounts:home")).status_code == 200
    # Required: it cannot be turned off.
    client.post(reverse("accounts:totp_off"))
    cast.office.refresh_from_db()
    assert cast.office.totp_confirmed
    # Teachers are not forced.
    assert cast.client_for(cast.teacher).get(reverse("accounts:home")).status_code == 200


def test_the_rule_comes_with_the_user_of_every_request(cast: Cast) -> None:
    """The access policy asks every request of the office and the principal whether their
    institute requires the verification: the answer is read with the user and their roles, in
    the request's one user query, not with a query of its own (issue 11: item 15)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from campanella.accounts.backends import UsernameOrEmailBackend
    from campanella.accounts.policy import totp_required

    cast.institute.totp_required_for_principal = True
    cast.institute.save()
    backend = UsernameOrEmailBackend()
    expected = {cast.principal: True, cast.office: False, cast.teacher: False, cast.guardian: False}
    for user, required in expected.items():
        with CaptureQueriesContext(connection) as captured:
            loaded = backend.get_user(user.pk)
            assert loaded is not None and totp_required(loaded) is required, user
        assert len(captured) == 1, [q["sql"] for q in captured]
    cast.institute.totp_required_for_office = True
    cast.institute.totp_required_for_principal = False
    cast.institute.save()
    loaded = backend.get_user(cast.office.pk)
    assert loaded is not None and totp_required(loaded)
    loaded = backend.get_user(cast.principal.pk)
    assert loaded is not None and not totp_required(loaded)
