"""Issue 13 item 5 in Chromium: a teacher uploads the programma svolto of Matematica in 1A;
the office sees it no longer missing and publishes the kind; a guardian of the classroom opens
its page at 375 px, sees the teachers with their subjects and downloads the PDF. Every page
axe-clean; the family's within the phone's width."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from campanella.classdocs.models import ClassDocument
from campanella.people.models import Staff
from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.classdocs.support import pdf_bytes
from tests.conftest import PASSWORD, Cast, build_cast


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    return build_cast()


def test_teacher_uploads_office_publishes_family_downloads(
    live_cast: Cast, live_server: Any, desktop: Watched, phone: Watched, tmp_path: Path
) -> None:
    base, cast = live_server.url, live_cast
    slot = f"{cast.classroom_1a.pk}-{cast.maths.pk}-programma"

    # The teacher, from the menu to the upload page.
    teacher = desktop.page
    login(teacher, base, "teacher", PASSWORD)
    with teacher.expect_navigation():
        teacher.get_by_role("link", name="Documenti", exact=True).click()
    with teacher.expect_navigation():
        teacher.get_by_test_id("teacher-link").click()
    assert_accessible(teacher)
    card = teacher.get_by_test_id(f"slot-{slot}")
    assert card.get_attribute("data-missing") == "1"
    card.locator("input[type=file]").set_input_files(
        files=[{"name": "programma.pdf", "mimeType": "application/pdf",
                "buffer": pdf_bytes("Programma svolto: equazioni di primo grado")}]
    )  # fmt: skip
    with teacher.expect_navigation():
        card.get_by_role("button", name="Carica").click()
    assert "Caricato: Programma svolto di Matematica" in teacher.content()
    assert teacher.get_by_test_id(f"slot-{slot}").get_attribute("data-missing") == "0"
    assert_accessible(teacher)
    document = ClassDocument.objects.get()

    # The office: no longer missing; publishes the programmi svolti from this morning.
    office_context = desktop.page.context.browser.new_context(  # type: ignore[union-attr]
        viewport={"width": 1280, "height": 900}, locale="it-IT"
    )
    try:
        office = office_context.new_page()
        login(office, base, "office", PASSWORD)
        office.goto(f"{base}/documenti/segreteria/?tipo=programma")
        assert_accessible(office)
        assert office.get_by_test_id(f"missing-{slot}").count() == 0
        italian = f"missing-{cast.classroom_1a.pk}-{cast.italian.pk}-programma"
        assert office.get_by_test_id(italian).count() == 1  # the coordinator's is still missing
        assert (
            office.get_by_test_id(f"uploaded-{document.pk}").get_attribute("data-published") == "0"
        )
        form = office.get_by_test_id("publish-programma")
        form.locator("input[type=date]").fill(timezone.localdate().isoformat())
        form.locator("input[type=time]").fill("00:00")
        with office.expect_navigation():
            form.get_by_role("button").click()
        assert "Pubblicazione impostata" in office.content()
        assert (
            office.get_by_test_id(f"uploaded-{document.pk}").get_attribute("data-published") == "1"
        )
        assert_accessible(office)
    finally:
        office_context.close()

    # The guardian, on a phone: the classroom's page, its teachers, the PDF.
    family = phone.page
    login(family, base, "guardian", PASSWORD)
    family.goto(f"{base}/documenti/")
    assert_accessible(family)
    assert_fits_the_screen(family)
    with family.expect_navigation():
        family.get_by_test_id(f"classroom-{cast.classroom_1a.pk}").click()
    assert_accessible(family)
    assert_fits_the_screen(family)
    teachers = family.get_by_test_id("teacher-list").inner_text()
    assert Staff.objects.get(user=cast.teacher).full_name in teachers and "Matematica" in teachers
    family.get_by_test_id(f"download-{document.pk}").focus()  # by keyboard
    with family.expect_download() as download_info:
        family.keyboard.press("Enter")
    saved = tmp_path / "programma.pdf"
    download_info.value.save_as(saved)
    text = PdfReader(io.BytesIO(saved.read_bytes())).pages[0].extract_text()
    assert "equazioni di primo grado" in text
    assert desktop.errors == [] and phone.errors == []
