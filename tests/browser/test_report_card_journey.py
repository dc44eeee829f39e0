"""Issue 13 in Chromium at 375 px: a guardian opens the published report card of their child,
downloads the PDF (its text has the marks), confirms having seen it; the coordinator's list then
shows the confirmation. Every page axe-clean and within the phone's width."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from campanella.reportcards.models import ViewConfirmation
from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.conftest import PASSWORD, Cast, build_cast
from tests.reportcards.support import locked, pdf_text, published


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


def test_office_publishes_at_a_time_and_the_family_sees_nothing_before_it(
    live_cast: Cast, live_server: Any, desktop: Watched, phone: Watched, tmp_path: Path
) -> None:
    """Issue 13's journey: after the lock the office publishes for tomorrow; the guardian sees
    nothing; the office moves it to this morning; the guardian downloads and confirms; the
    office's list shows the confirmation; the other family's child gets 404 for that PDF."""
    base, cast, office, family = live_server.url, live_cast, desktop.page, phone.page
    session = locked(cast)
    key = f"{session.term_id}-{session.kind}-{session.classroom.year}"
    login(office, base, "office", PASSWORD)

    def publish(day: str, hour: str) -> None:
        office.goto(f"{base}/pagelle/pubblicazione/")
        office.fill(f"#data-{key}", day)
        office.fill(f"#ora-{key}", hour)
        with office.expect_navigation():
            office.get_by_test_id(f"group-{key}").get_by_role("button").click()
        assert "Pubblicazione impostata" in office.content()

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    publish(tomorrow.isoformat(), "14:00")
    assert_accessible(office)
    login(family, base, "guardian", PASSWORD)
    family.goto(f"{base}/pagelle/")
    assert family.get_by_test_id("no-cards").is_visible()
    pdf_url = f"{base}/pagelle/{session.pk}/{cast.child.pk}/pdf/"
    assert family.request.get(pdf_url).status == 404
    publish(timezone.localdate().isoformat(), "00:00")
    family.goto(f"{base}/pagelle/")
    with family.expect_navigation():
        family.get_by_test_id(f"card-{session.pk}-{cast.child.pk}").locator("a").click()
    with family.expect_download() as download_info:
        family.get_by_test_id("download").click()
    saved = tmp_path / "pagella.pdf"
    download_info.value.save_as(saved)
    assert "Italiano 7 (sette)" in pdf_text(saved.read_bytes())
    with family.expect_navigation():
        family.get_by_test_id("confirm").click()
    assert family.get_by_test_id("confirmed").is_visible()
    office.goto(f"{base}/pagelle/{session.pk}/prese-visione/")
    row = office.get_by_test_id(f"student-{cast.child.pk}")
    assert row.get_attribute("data-confirmed") == "1"
    assert "guardian" in row.inner_text() or "Paola" in row.inner_text()
    # The child of another family (a student of the same class) cannot have it.
    other = family.context.browser.new_context()  # type: ignore[union-attr]
    try:
        other_page = other.new_page()
        login(other_page, base, "adult", PASSWORD)
        assert other_page.request.get(pdf_url).status == 404
    finally:
        other.close()
    assert desktop.errors == [] and phone.errors == []
