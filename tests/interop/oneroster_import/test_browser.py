"""The office imports a OneRoster bundle on a phone: upload → preview (counts per file) →
apply. Every page passes axe-core with zero violations, fits 375 px, logs no console error."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import FilePayload

from campanella.interop.models import ImportBatch, ImportStatus
from campanella.people.models import Enrollment
from tests.browser_support import Watched, login
from tests.conftest import PASSWORD, Cast, build_cast
from tests.interop.oneroster_import.helpers import exported, pack, unpack
from tests.interop.test_import_browser import check_page

pytestmark = pytest.mark.browser


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    return build_cast()


def test_office_imports_a_oneroster_bundle_on_a_phone(
    live_cast: Cast, live_server: Any, phone: Watched
) -> None:
    cast = live_cast
    files, headers = unpack(exported(cast))
    leaving = cast.classroom_1a.school_year.lessons_end
    for row in files["enrollments.csv"]:
        if row["sourcedId"].endswith("-homeroom") and row["userSourcedId"] == (
            f"student-{cast.child.pk}"
        ):
            row["endDate"] = leaving.isoformat()
    content = pack(files, headers)

    def journey(phone: Watched) -> None:
        page = phone.page
        login(page, live_server.url, "office", PASSWORD)
        page.goto(f"{live_server.url}/segreteria/importa/")
        page.get_by_role("link", name="Importa l'anagrafica da un archivio OneRoster 1.2").click()
        page.wait_for_url("**/segreteria/importa/oneroster/")
        check_page(page)

        with page.expect_navigation():
            page.get_by_role("button", name="Carica e mostra l'anteprima").click()
        assert page.get_by_role("alert").inner_text().startswith("L'archivio non è stato caricato")
        check_page(page)

        field = page.get_by_label("Archivio OneRoster 1.2 (.zip)")
        payload: FilePayload = {"name": "oneroster.zip", "mimeType": "application/zip",
                                "buffer": content}  # fmt: skip
        field.set_input_files(files=[payload])
        field.focus()
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_url("**/segreteria/importa/lotti/*/")
        check_page(page)
        counts = page.locator('[data-testid="file-counts"]')
        assert "enrollments.csv" in counts.inner_text()
        assert page.locator('[data-testid="rows-updated"] tbody tr').count() == 1

        page.get_by_role("button", name="Conferma e importa").focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/esito/")
        check_page(page)
        assert page.get_by_role("heading", level=1).inner_text() == "Importazione completata"
        assert phone.errors == []

    journey(phone)

    assert ImportBatch.objects.get().status == ImportStatus.APPLIED
    assert Enrollment.objects.get(student=cast.child).exit_date == leaving
