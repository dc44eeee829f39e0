"""Issue 13 in Chromium at 375 px: a guardian opens the published report card of their child,
downloads the PDF (its text has the marks), confirms having seen it; the coordinator's list then
shows the confirmation. Every page axe-clean and within the phone's width."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from campanella.reportcards.models import ViewConfirmation
from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.conftest import PASSWORD, Cast, build_cast
from tests.reportcards.support import pdf_text, published


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    return build_cast()


def test_family_opens_downloads_and_confirms_its_report_card(
    live_cast: Cast, live_server: Any, phone: Watched, tmp_path: Path
) -> None:
    base, cast, page = live_server.url, live_cast, phone.page
    session = published(cast)
    login(page, base, "guardian", PASSWORD)
    page.goto(f"{base}/pagelle/")
    assert_accessible(page)
    assert_fits_the_screen(page)
    with page.expect_navigation():
        page.get_by_test_id(f"card-{session.pk}-{cast.child.pk}").locator("a").click()
    assert "Matematica" in page.get_by_test_id("marks").inner_text()
    assert_accessible(page)
    assert_fits_the_screen(page)
    with page.expect_download() as download_info:
        page.get_by_test_id("download").click()
    saved = tmp_path / "pagella.pdf"
    download_info.value.save_as(saved)
    text = pdf_text(saved.read_bytes())
    assert "Matematica 5 (cinque)" in text and cast.child.surname in text
    # Confirm by keyboard.
    page.get_by_test_id("confirm").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Presa visione registrata" in page.content()
    assert page.get_by_test_id("confirmed").is_visible()
    assert_accessible(page)
    assert_fits_the_screen(page)
    assert ViewConfirmation.objects.filter(user=cast.guardian, student=cast.child).count() == 1
    # The class list of outcomes, as a family sees it.
    page.goto(f"{base}/pagelle/{session.pk}/esiti/")
    assert "Non ammess" in page.get_by_test_id("outcomes").inner_text()
    assert_accessible(page)
    assert_fits_the_screen(page)
    assert phone.errors == []


def test_staff_pages_are_accessible(live_cast: Cast, live_server: Any, desktop: Watched) -> None:
    base, cast, page = live_server.url, live_cast, desktop.page
    session = published(cast)
    ViewConfirmation.objects.all().delete()
    login(page, base, "office", PASSWORD)
    for path in ("/pagelle/", "/pagelle/pubblicazione/", f"/pagelle/{session.pk}/prese-visione/"):
        page.goto(f"{base}{path}")
        assert_accessible(page)
    row = page.get_by_test_id(f"student-{cast.child.pk}")
    assert row.get_attribute("data-confirmed") == "0"
    with page.expect_navigation():
        page.get_by_role("button", name="Prepara il PDF di tutte le pagelle").click()
    assert page.get_by_test_id("bundle-status").get_attribute("data-status") == "done"
    assert_accessible(page)
    assert desktop.errors == []
