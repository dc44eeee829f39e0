"""Issue 14 item 4 in Chromium: the maths teacher of 1ª A makes a folder and uploads a file into
it; the guardian, on a 375 px phone, goes from the child's card on the home to the classroom's
materials, opens the folder and downloads the file by keyboard. Every page axe-clean, the
family's within the phone's width."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from campanella.comms.materials.models import Material, MaterialKind
from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.comms.support_materials import PDF
from tests.conftest import PASSWORD, Cast, build_cast


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    return build_cast()


def choose(page: Any, selector: str) -> None:
    """bootstrap-italia's label covers the control: by keyboard."""
    page.locator(selector).focus()
    page.keyboard.press("Space")
    assert page.locator(selector).is_checked()


def test_teacher_shares_a_folder_and_a_file_the_family_downloads(
    live_cast: Cast, live_server: Any, desktop: Watched, phone: Watched, tmp_path: Path
) -> None:
    base = live_server.url

    teacher = desktop.page
    login(teacher, base, "teacher", PASSWORD)
    teacher.goto(f"{base}/comunicazioni/materiali/")
    assert_accessible(teacher)
    with teacher.expect_navigation():
        teacher.get_by_role("link", name="Classe 1ª A").click()
    assert_accessible(teacher)
    with teacher.expect_navigation():
        teacher.get_by_role("link", name="Matematica").click()
    assert_accessible(teacher)
    choose(teacher, "#tipo-cartella")
    teacher.locator("#titolo").fill("Geometria")
    with teacher.expect_navigation():
        teacher.get_by_role("button", name="Aggiungi").click()
    assert "«Geometria» aggiunto." in teacher.content()
    folder = Material.objects.get(kind=MaterialKind.FOLDER)
    with teacher.expect_navigation():
        teacher.get_by_role("link", name="Cartella: Geometria").click()
    teacher.locator("#titolo").fill("Esercizi sui triangoli")
    teacher.locator("#file").set_input_files(
        files=[{"name": "triangoli.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    with teacher.expect_navigation():
        teacher.get_by_role("button", name="Aggiungi").click()
    assert "«Esercizi sui triangoli» aggiunto." in teacher.content()
    assert_accessible(teacher)
    item = Material.objects.get(kind=MaterialKind.FILE)
    assert item.parent_id == folder.pk

    family = phone.page
    login(family, base, "guardian", PASSWORD)
    with family.expect_navigation():
        family.get_by_role("link", name="Materiale didattico – 1ª A").click()
    assert_accessible(family)
    assert_fits_the_screen(family)
    with family.expect_navigation():
        family.get_by_role("link", name="Matematica").click()
    with family.expect_navigation():
        family.get_by_role("link", name="Cartella: Geometria").click()
    assert_accessible(family)
    assert_fits_the_screen(family)
    family.get_by_test_id(f"download-{item.pk}").focus()
    with family.expect_download() as download_info:
        family.keyboard.press("Enter")
    saved = tmp_path / "triangoli.pdf"
    download_info.value.save_as(saved)
    assert saved.read_bytes() == PDF
    assert desktop.errors == [] and phone.errors == []
