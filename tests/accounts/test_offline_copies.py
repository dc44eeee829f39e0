"""Issue 16 item 6: what the service worker may keep for reading offline, and for whom
(accounts/offline.py). The browser side is tests/browser/test_offline_app.py."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from campanella.accounts.offline import KEEP_HEADER, KEY_HEADER
from tests.conftest import PASSWORD, Cast

pytestmark = pytest.mark.django_db


def logged_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_a_logged_in_page_names_its_owner_and_may_be_kept(cast: Cast) -> None:
    response = logged_in("guardian").get(f"/voti/alunno/{cast.child.pk}/")
    assert response.status_code == 200
    assert len(response[KEY_HEADER]) == 32
    assert KEEP_HEADER not in response


def test_an_anonymous_page_names_nobody(cast: Cast) -> None:
    response = Client().get(reverse("accounts:login"))
    assert response.status_code == 200
    assert KEY_HEADER not in response


def test_each_login_has_its_own_key_and_it_dies_with_the_password(cast: Cast) -> None:
    guardian, teacher = logged_in("guardian"), logged_in("teacher")
    first = guardian.get("/")[KEY_HEADER]
    assert first == guardian.get("/")[KEY_HEADER]
    assert first != teacher.get("/")[KEY_HEADER]
    cast.guardian.set_password("una-nuova-password-lunga")
    cast.guardian.save()
    again = Client()
    assert again.login(username="guardian", password="una-nuova-password-lunga")
    assert again.get("/")[KEY_HEADER] != first


def test_home_is_kept_though_never_cached_but_a_no_store_page_is_not(cast: Cast) -> None:
    home = logged_in("guardian").get("/")
    assert "no-store" in home["Cache-Control"]
    assert KEEP_HEADER not in home  # the home page is what the app opens on
    keys = logged_in("office").get(reverse("interop:api_keys"))
    assert keys.status_code == 200 and "no-store" in keys["Cache-Control"]
    assert keys[KEEP_HEADER] == "no"  # a page that may show a new key once


def test_a_write_is_never_kept(cast: Cast) -> None:
    response = logged_in("guardian").post(reverse("accounts:logout_everywhere"))
    assert response[KEEP_HEADER] == "no"


def test_the_service_worker_reads_the_same_headers_and_precaches_the_static_files(
    cast: Cast,
) -> None:
    response = Client().get(reverse("comms:notification_service_worker"))
    assert response.status_code == 200
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    assert f'"{KEY_HEADER}"' in body and f'"{KEEP_HEADER}"' in body
    assert '"/static/campanella/campanella.css"' in body
    assert "data-offline-banner hidden" in body  # what it unhides: base.html's banner
    version = body.split("version ", 1)[1].split(")", 1)[0]
    assert len(version) == 12 and f"campanella-static-{version}" in body


def test_the_banner_it_unhides_is_on_every_logged_in_page(cast: Cast) -> None:
    page = logged_in("guardian").get(f"/voti/alunno/{cast.child.pk}/").content.decode()
    assert "data-offline-banner hidden" in page
    assert "<span data-offline-when></span>" in page
    assert "data-offline-banner" not in Client().get(reverse("accounts:login")).content.decode()


def test_logout_clears_the_browser_cache(cast: Cast) -> None:
    response = logged_in("guardian").post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache"'
