"""Every access page passes axe-core on a phone, with no console (CSP) errors."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.conftest import PASSWORD, Cast, build_cast


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    cast = build_cast()
    cast.institute.username_code = "PROV0001"
    cast.institute.save()
    return cast


def check(watched: Watched, url: str) -> None:
    watched.page.goto(url)
    assert_accessible(watched.page)
    assert_fits_the_screen(watched.page)


def test_public_access_pages(live_cast: Cast, live_server: Any, phone: Watched) -> None:
    for path in (
        "/password-dimenticata/",
        "/password-dimenticata/inviato/",
        "/password-dimenticata/MQ/x/",
    ):
        check(phone, live_server.url + path)
    phone.page.goto(live_server.url + "/password-dimenticata/")
    phone.page.fill("#id_identifier", "G999999Z")
    phone.page.get_by_role("button", name="Continua").click()
    phone.page.wait_for_url("**/indirizzo/")
    assert_accessible(phone.page)
    assert phone.errors == []


def test_profile_pages(live_cast: Cast, live_server: Any, phone: Watched) -> None:
    login(phone.page, live_server.url, "teacher", PASSWORD)
    for path in ("/profilo/", "/password/cambia/", "/profilo/verifica/"):
        check(phone, live_server.url + path)
    assert phone.errors == []


def test_guardian_header_switcher_is_accessible(
    live_cast: Cast, live_server: Any, phone: Watched
) -> None:
    login(phone.page, live_server.url, "guardian", PASSWORD)
    switch = phone.page.get_by_label("Figlio")
    assert switch.is_visible()
    switch.select_option(str(live_cast.sibling.pk))
    with phone.page.expect_navigation():
        phone.page.get_by_role("button", name="Cambia").click()
    assert phone.page.get_by_label("Figlio").input_value() == str(live_cast.sibling.pk)
    assert_accessible(phone.page)
    assert_fits_the_screen(phone.page)


def test_office_access_pages(live_cast: Cast, live_server: Any, phone: Watched) -> None:
    login(phone.page, live_server.url, "office", PASSWORD)
    check(phone, live_server.url + "/segreteria/credenziali/")
    phone.page.get_by_role("button", name="Emetti per la classe 2ª B").click()
    phone.page.wait_for_url("**/lotti/*/")
    assert phone.page.get_by_test_id("batch-status").get_attribute("data-status") == "done"
    assert_accessible(phone.page)
    check(phone, live_server.url + "/segreteria/accessi/?q=guardian")
    phone.page.get_by_role("button", name="Reimposta la password e stampa la lettera").click()
    phone.page.get_by_role("button", name="Sì, reimposta la password").wait_for()
    assert_accessible(phone.page)
    assert_fits_the_screen(phone.page)
    assert phone.errors == []
