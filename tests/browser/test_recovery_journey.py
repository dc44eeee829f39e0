"""Issue 11, item 12, in a real browser with a real SMTP server: a guardian who never linked an
e-mail recovers the password with the address the school has on file, on a phone."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest

from campanella.people.models import Guardian
from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.conftest import Cast, build_cast
from tests.mailbox import Mailbox, mailbox  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser
ON_FILE = "paola.rossi@famiglia.example"
NEW_PASSWORD = "Ritrovata-Dalla-Scuola-2026"


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    cast = build_cast()
    # What the office imported: the guardian's address, nothing linked in the profile.
    Guardian.objects.filter(user=cast.guardian).update(email=ON_FILE)
    return cast


def test_guardian_recovers_with_the_address_on_file(
    live_cast: Cast,
    live_server: Any,
    phone: Watched,
    mailbox: Mailbox,  # noqa: F811
) -> None:
    page = phone.page
    base = live_server.url
    page.goto(f"{base}/accedi/")
    page.get_by_role("link", name="Password dimenticata?").click()
    page.wait_for_url("**/password-dimenticata/")
    assert_accessible(page)
    page.get_by_label("Nome utente oppure e-mail").fill(ON_FILE)
    page.keyboard.press("Enter")
    page.wait_for_url("**/password-dimenticata/inviato/")
    assert page.get_by_role("heading", name="Controlla la posta").is_visible()
    assert_accessible(page)
    assert_fits_the_screen(page)

    [message] = mailbox.wait_for(1)
    assert message["To"] == ON_FILE
    assert "Istituto A" in message["Subject"]
    body = mailbox.body(message)
    assert "Nome utente: guardian" in body
    assert live_cast.child.full_name in body and live_cast.sibling.full_name in body

    page.goto(base + urlparse(mailbox.link(message)).path)
    page.get_by_role("heading", name="Scegli una nuova password").wait_for()
    assert_accessible(page)
    assert_fits_the_screen(page)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.get_by_role("button", name="Salva la nuova password").click()
    page.wait_for_url(f"{base}/accedi/")
    assert page.get_by_text("Password impostata: ora puoi accedere.").is_visible()
    assert_accessible(page)

    login(page, base, "guardian", NEW_PASSWORD)
    assert page.get_by_label("Figlio").is_visible()  # the family's home, both children
    # The link was single-use: opened again, it says so.
    page.goto(base + urlparse(mailbox.link(message)).path)
    assert page.get_by_test_id("link-invalid").is_visible()
    assert phone.errors == []
