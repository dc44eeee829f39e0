"""Lock-out per username and per address, unlock by the office, traces, e-mail login,
forced password change, log out everywhere."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campanella.accounts.security import ADDRESS_LIMIT, USERNAME_LIMIT
from campanella.people.models import AccessEvent
from tests import factories as f
from tests.conftest import PASSWORD, Cast

pytestmark = pytest.mark.django_db


def try_login(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> int:
    response = client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )
    return response.status_code


def test_five_failures_lock_the_username_even_with_the_right_password(cast: Cast) -> None:
    client = Client()
    for _ in range(USERNAME_LIMIT):
        assert try_login(client, "guardian", "sbagliata") == 200
    response = client.post(
        reverse("accounts:login"), {"username": "guardian", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "Troppi tentativi" in response.content.decode()
    # Another username from the same address is not affected.
    assert try_login(Client(), "teacher", PASSWORD) == 302


def test_the_lock_covers_unknown_usernames_too(cast: Cast) -> None:
    client = Client()
    for _ in range(USERNAME_LIMIT):
        try_login(client, "S999999A", "x")
    response = client.post(reverse("accounts:login"), {"username": "S999999A", "password": "x"})
    assert "Troppi tentativi" in response.content.decode()


def test_many_failures_from_one_address_lock_the_address(cast: Cast) -> None:
    client = Client()
    for index in range(ADDRESS_LIMIT):
        try_login(client, f"nobody{index}", "x", ip="10.9.9.9")
    assert try_login(client, "teacher", PASSWORD, ip="10.9.9.9") == 200
    assert try_login(Client(), "teacher", PASSWORD, ip="10.9.9.8") == 302


def test_office_sees_the_lock_and_unlocks(cast: Cast) -> None:
    for _ in range(USERNAME_LIMIT):
        try_login(Client(), "guardian", "sbagliata")
    office = cast.client_for(cast.office)
    page = office.get(reverse("accounts:office_access")).content.decode()
    assert 'data-testid="locked-list"' in page and "GUARDIAN" in page
    assert "accesso fallito" in page
    assert (
        office.post(reverse("accounts:office_unlock"), {"username": "GUARDIAN"}).status_code == 302
    )
    assert try_login(Client(), "guardian", PASSWORD) == 302
    assert AccessEvent.objects.filter(kind="unlocked", actor=cast.office).exists()


@pytest.mark.parametrize("who", ["teacher", "guardian", "foreign_office"])
def test_only_the_office_unlocks(cast: Cast, who: str) -> None:
    for _ in range(USERNAME_LIMIT):
        try_login(Client(), "guardian", "sbagliata")
    client = cast.client_for(getattr(cast, who))
    assert (
        client.post(reverse("accounts:office_unlock"), {"username": "GUARDIAN"}).status_code == 404
    )
    own_page = 200 if who == "foreign_office" else 404  # the foreign office sees its own page
    assert client.get(reverse("accounts:office_access")).status_code == own_page


def test_the_api_shares_the_lock(cast: Cast) -> None:
    for _ in range(USERNAME_LIMIT):
        try_login(Client(), "guardian", "sbagliata")
    response = Client().post(
        "/api/v1/auth/token",
        {"username": "guardian", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 429
    assert response.json()["code"] == "locked"


def test_logins_and_failures_are_traced_with_address(cast: Cast) -> None:
    try_login(Client(), "guardian", "sbagliata", ip="10.1.2.3")
    try_login(Client(), "guardian", PASSWORD, ip="10.1.2.3")
    kinds = list(AccessEvent.objects.filter(user=cast.guardian).values_list("kind", "ip_address"))
    assert ("login_failed", "10.1.2.3") in kinds
    assert ("login", "10.1.2.3") in kinds


def test_username_is_case_insensitive_and_linked_email_logs_in(cast: Cast) -> None:
    cast.guardian.login_email = "paola@example.org"
    cast.guardian.save()
    assert try_login(Client(), "GUARDIAN", PASSWORD) == 302
    assert try_login(Client(), "Paola@Example.org", PASSWORD) == 302
    cast.guardian.login_email = None
    cast.guardian.email = "paola@example.org"  # an address on file is not a login
    cast.guardian.save()
    assert try_login(Client(), "paola@example.org", PASSWORD) == 200


def test_deactivated_account_cannot_log_in(cast: Cast) -> None:
    cast.guardian.is_active = False
    cast.guardian.save()
    assert try_login(Client(), "guardian", PASSWORD) == 200


def test_temporary_password_must_be_changed_first(cast: Cast) -> None:
    cast.guardian.must_change_password = True
    cast.guardian.save()
    client = cast.client_for(cast.guardian)
    for url in (reverse("accounts:home"), reverse("people:student_detail", args=[cast.child.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response.url == reverse("accounts:password_change")
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Campanella-Nuova-2026",
            "new_password2": "Campanella-Nuova-2026",
        },
    )
    assert response.status_code == 302
    cast.guardian.refresh_from_db()
    assert not cast.guardian.must_change_password
    assert client.get(reverse("accounts:home")).status_code == 200


def test_weak_new_password_is_refused_in_italian(cast: Cast) -> None:
    client = cast.client_for(cast.guardian)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "troppo corta" in text or "troppo comune" in text


def test_api_refuses_a_temporary_password(cast: Cast) -> None:
    cast.guardian.must_change_password = True
    cast.guardian.save()
    response = Client().post(
        "/api/v1/auth/token",
        {"username": "guardian", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "password_change_required"


def test_log_out_everywhere(cast: Cast) -> None:
    phone = Client()
    laptop = Client()
    assert try_login(phone, "guardian", PASSWORD) == 302
    assert try_login(laptop, "guardian", PASSWORD) == 302
    token = (
        Client()
        .post(
            "/api/v1/auth/token",
            {"username": "guardian", "password": PASSWORD},
            content_type="application/json",
        )
        .json()["token"]
    )
    assert laptop.post(reverse("accounts:logout_everywhere")).status_code == 302
    assert laptop.get(reverse("accounts:home")).status_code == 200  # this session stays
    assert phone.get(reverse("accounts:home")).status_code == 302  # the others are closed
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_office_pages_queries_do_not_grow(cast: Cast) -> None:
    office = cast.client_for(cast.office)
    urls = [reverse("accounts:office_access"), reverse("accounts:office_credentials")]
    try_login(Client(), "guardian", "x")
    before = [count_queries(office, url) for url in urls]
    for index in range(8):
        for _ in range(USERNAME_LIMIT):
            try_login(Client(), f"nobody{index}", "x", ip=f"10.2.0.{index}")
        f.ClassroomFactory(school=cast.school, school_year=cast.classroom_1a.school_year)
        try_login(Client(), "teacher", PASSWORD)
    assert [count_queries(office, url) for url in urls] == before
