"""Issue 3's journey in a real browser with a real SMTP server.

Office imports a class from CSV → issues credentials → downloads the letters PDF (its text has
the usernames) → a guardian logs in with the letter → must change the password → links an
e-mail → follows the verification link from the received mail → logs in with the e-mail →
joins a second child → switches child.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import FilePayload
from pypdf import PdfReader

from campanella.people.models import CredentialBatch, Guardian
from tests import factories as f
from tests.browser_support import Watched, assert_accessible, login
from tests.conftest import PASSWORD, Cast, build_cast
from tests.interop.helpers import People, csv_bytes
from tests.mailbox import Mailbox, mailbox  # noqa: F401 - the fixture

NEW_PASSWORD = "Lettera-Ricevuta-2026"


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    return build_cast()


def password_on_letter(pdf: bytes, username: str) -> str:
    for page in PdfReader(io.BytesIO(pdf)).pages:
        lines = page.extract_text().splitlines()
        if username in lines:
            return lines[lines.index("PASSWORD TEMPORANEA") + 1]
    raise AssertionError(f"nessuna lettera per {username}")


def second_child_elsewhere() -> str:
    """The same parent already has a login for a child in another institute."""
    classroom = f.ClassroomFactory()
    student = f.EnrollmentFactory(classroom=classroom).student
    user = f.UserFactory(username="G300001K", first_name="Paola")
    guardian = f.GuardianFactory(institute=student.institute, user=user)
    f.GuardianshipFactory(student=student, guardian=guardian)
    return student.name


def test_from_import_to_one_login_for_two_children(
    live_cast: Cast,
    live_server: Any,
    desktop: Watched,
    mailbox: Mailbox,  # noqa: F811
) -> None:
    page = desktop.page
    base = live_server.url
    row = People(seed=99).student_row("2B", guardians=1)
    # 1. The office imports the class from CSV.
    login(page, base, "office", PASSWORD)
    page.goto(f"{base}/segreteria/importa/alunni/")
    payload: FilePayload = {
        "name": "classe.csv",
        "mimeType": "text/csv",
        "buffer": csv_bytes([row]),
    }
    page.get_by_label("File CSV o Excel (.xlsx)").set_input_files(files=[payload])
    page.get_by_role("button", name="Carica e mostra l'anteprima").click()
    page.get_by_role("button", name="Conferma e importa").click()
    page.wait_for_url("**/esito/")
    # 2. It issues the credentials of the class and downloads the guardians' letters.
    page.goto(f"{base}/segreteria/credenziali/")
    page.get_by_role("button", name="Emetti per la classe 2ª B").click()
    page.wait_for_url("**/lotti/*/")
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Lettere genitori").click()
    letters = download_info.value.path().read_bytes()
    guardian = Guardian.objects.select_related("user").get(
        codice_fiscale=row["genitore1_codice_fiscale"]
    )
    assert guardian.user is not None
    username = guardian.user.username
    assert username.startswith("G")
    assert username in "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(letters)).pages)
    assert CredentialBatch.objects.get().guardian_count >= 1
    password = password_on_letter(letters, username)
    page.get_by_role("button", name="Esci", exact=True).click()
    page.wait_for_url("**/accedi/")

    # 3. The guardian logs in with the letter and must choose a password.
    login_path = f"{base}/accedi/"
    page.goto(login_path)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Accedi").click()
    page.wait_for_url("**/password/cambia/")
    assert_accessible(page)
    page.fill("#id_old_password", password)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.get_by_role("button", name="Salva la nuova password").click()
    page.wait_for_url(f"{base}/")

    # 4. Links an e-mail and follows the link received by mail.
    page.goto(f"{base}/profilo/")
    page.fill("#id_email", "genitore.portfolio@example.org")
    page.get_by_role("button", name="Invia il collegamento di verifica").click()
    [verification] = mailbox.wait_for(1)
    page.goto(base + urlparse(mailbox.link(verification)).path)
    assert page.get_by_test_id("login-email").inner_text() == "genitore.portfolio@example.org"
    page.get_by_role("button", name="Esci", exact=True).click()
    page.wait_for_url("**/accedi/")

    # 5. Logs in with the e-mail.
    login(page, base, "genitore.portfolio@example.org", NEW_PASSWORD)
    assert page.locator('[data-testid="guardian-home"]').is_visible()
    page.get_by_role("button", name="Esci", exact=True).click()
    page.wait_for_url("**/accedi/")

    # 6. The other child's account links the same e-mail and joins the portfolio.
    other_child = second_child_elsewhere()
    login(page, base, "G300001K", PASSWORD)
    page.goto(f"{base}/profilo/")
    page.fill("#id_email", "genitore.portfolio@example.org")
    page.get_by_role("button", name="Invia il collegamento di verifica").click()
    second_mail = mailbox.wait_for(2)[1]
    page.goto(base + urlparse(mailbox.link(second_mail)).path)
    page.wait_for_url("**/profilo/unisci/")
    assert_accessible(page)
    page.fill("#id_password", NEW_PASSWORD)
    page.get_by_role("button", name="Unisci").click()
    page.wait_for_url(f"{base}/")

    # 7. One login, two children, a switcher in the header.
    switch = page.get_by_label("Figlio")
    options = switch.locator("option").all_inner_texts()
    assert row["nome"] in options and other_child in options
    other_value = switch.locator("option", has_text=other_child).get_attribute("value")
    switch.select_option(other_value)
    with page.expect_navigation():
        page.get_by_role("button", name="Cambia").click()
    assert page.get_by_label("Figlio").input_value() == other_value
    assert_accessible(page)
    assert desktop.errors == []
