"""The office imports students on a phone: upload → preview → apply, by keyboard where it counts.

Every page passes axe-core (WCAG 2.1 AA) with zero violations, fits 375 px and logs no console
error (CSP violations included).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from playwright.sync_api import FilePayload, Page

from campanella.interop.models import ImportBatch, ImportStatus
from campanella.people.models import Student
from campanella.register.models import Absence, LateEntry
from campanella.register.services import late_entry_record
from tests.browser_support import (
    Watched,
    assert_accessible,
    assert_fits_the_screen,
    login,
)
from tests.conftest import PASSWORD, Cast, build_cast, school_day
from tests.interop.helpers import ATTENDANCE_HEADER, People, csv_bytes

pytestmark = pytest.mark.browser


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    return build_cast()


def check_page(page: Page) -> None:
    assert page.locator("h1").count() == 1
    assert_accessible(page)
    assert_fits_the_screen(page)


def choose_file_and_submit(page: Page, content: bytes) -> None:
    field = page.get_by_label("File CSV o Excel (.xlsx)")
    payload: FilePayload = {"name": "alunni.csv", "mimeType": "text/csv", "buffer": content}
    field.set_input_files(files=[payload])
    field.focus()
    page.keyboard.press("Tab")  # the next stop is the submit button
    page.keyboard.press("Enter")
    page.wait_for_url("**/segreteria/importa/lotti/*/")


def test_office_imports_students_on_a_phone(
    live_cast: Cast, live_server: Any, phone: Watched
) -> None:
    people = People()
    rows = [people.student_row("1A", guardians=2), people.student_row("2B")]

    def journey(phone: Watched) -> None:
        page = phone.page
        login(page, live_server.url, "office", PASSWORD)
        page.goto(f"{live_server.url}/segreteria/importa/")
        check_page(page)

        page.get_by_role("link", name="Importa alunni e genitori").click()
        page.wait_for_url("**/segreteria/importa/alunni/")
        check_page(page)

        with page.expect_navigation():
            page.get_by_role("button", name="Carica e mostra l'anteprima").click()
        assert page.get_by_role("alert").inner_text().startswith("Il file non è stato caricato")
        check_page(page)

        choose_file_and_submit(page, csv_bytes(rows))
        check_page(page)
        assert page.locator('[data-testid="rows-created"] tbody tr').count() == 2

        page.get_by_role("button", name="Conferma e importa").click()
        page.wait_for_url("**/esito/")
        check_page(page)
        assert page.get_by_role("heading", level=1).inner_text() == "Importazione completata"

        page.get_by_role("link", name="Torna alle importazioni").click()
        page.wait_for_url("**/segreteria/importa/")
        assert page.locator('[data-testid="import-history"] tbody tr').count() == 1
        check_page(page)
        assert phone.errors == []

    journey(phone)

    assert ImportBatch.objects.get().status == ImportStatus.APPLIED
    assert Student.objects.filter(codice_fiscale=rows[0]["codice_fiscale"]).exists()


def test_a_file_with_problems_is_explained_accessibly(
    live_cast: Cast, live_server: Any, phone: Watched
) -> None:
    people = People()
    rows = [people.student_row("9Z"), people.student_row(sesso="?"), people.student_row()]

    def journey(phone: Watched) -> None:
        page = phone.page
        login(page, live_server.url, "office", PASSWORD)
        page.goto(f"{live_server.url}/segreteria/importa/alunni/")
        choose_file_and_submit(page, csv_bytes(rows))
        check_page(page)
        problems = page.locator('[data-testid="problems"] li')
        assert problems.count() == 2
        assert problems.first.inner_text().startswith("Riga 2")
        assert page.get_by_role("button", name="Conferma e importa").count() == 0
        assert phone.errors == []

    journey(phone)

    assert not Student.objects.filter(codice_fiscale=rows[2]["codice_fiscale"]).exists()


def test_office_imports_attendance_with_a_conflict(
    live_cast: Cast, live_server: Any, desktop: Watched
) -> None:
    cast = live_cast
    day = school_day(cast)
    late_entry_record(
        user=cast.teacher, classroom=cast.classroom_1a, student=cast.adult_student, day=day,
        time=datetime.time(8, 50),
    )  # fmt: skip
    when = day.strftime("%d/%m/%Y")
    rows = [
        {"codice_fiscale": cast.child.codice_fiscale, "data": when, "tipo": "ASSENZA",
         "giustificata": "sì", "motivo_codice": "SALUTE"},
        {"codice_fiscale": cast.adult_student.codice_fiscale, "data": when, "tipo": "RITARDO",
         "ora": "09:10"},
    ]  # fmt: skip

    def journey(desktop: Watched) -> None:
        page = desktop.page
        login(page, live_server.url, "office", PASSWORD)
        page.goto(f"{live_server.url}/segreteria/importa/")
        page.get_by_role("link", name="Importa assenze, ritardi e uscite").click()
        page.wait_for_url("**/segreteria/importa/assenze/")
        check_page(page)
        choose_file_and_submit(page, csv_bytes(rows, ATTENDANCE_HEADER))
        check_page(page)
        assert page.locator('[data-testid="rows-created"] tbody tr').count() == 1
        assert page.locator('[data-testid="rows-conflict"] tbody tr').count() == 1
        page.get_by_role("button", name="Conferma e importa").click()
        page.wait_for_url("**/esito/")
        check_page(page)
        assert desktop.errors == []

    journey(desktop)

    absence = Absence.objects.get(student=cast.child)
    assert absence.justification is not None
    assert LateEntry.objects.get(student=cast.adult_student).time == datetime.time(8, 50)
