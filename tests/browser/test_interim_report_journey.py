"""Issue 13 item 4 in Chromium: the office creates an interim report round for 1ª A (prefilled
from the register); the maths teacher changes a mark by keyboard; before the publication the
guardian sees nothing; the office publishes; the guardian (375 px) reads it, downloads the PDF
whose text has the new mark, confirms; the office's classroom list shows the confirmation.
Every page axe-clean, on the desktop and on the phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from campanella.reportcards.models import InterimConfirmation, InterimRound
from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.conftest import PASSWORD, Cast, build_cast
from tests.reportcards.interim_support import grade, register_grades, term_of
from tests.reportcards.support import pdf_text


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    cast = build_cast()
    register_grades(cast)  # every entry prefilled: nothing missing at the publication
    room = cast.classroom_1a
    grade(cast.other_child, cast.maths, "6", classroom=room)
    grade(cast.other_child, cast.italian, "6", classroom=room)
    grade(cast.adult_student, cast.italian, "8", classroom=room)
    return cast


def test_office_creates_teacher_adjusts_family_confirms(
    live_cast: Cast, live_server: Any, desktop: Watched, phone: Watched, tmp_path: Path
) -> None:
    base, cast, office, family = live_server.url, live_cast, desktop.page, phone.page
    # The office creates the round from the Pagelle area.
    login(office, base, "office", PASSWORD)
    office.goto(f"{base}/pagelle/")
    with office.expect_navigation():
        office.get_by_test_id("interim-link").click()
    assert_accessible(office)
    with office.expect_navigation():
        office.get_by_test_id("create").click()
    assert_accessible(office)
    office.fill("#titolo", "Pagellino di metà periodo")
    office.select_option("#periodo", str(term_of(cast).pk))
    office.locator(f"#classe-{cast.classroom_1a.pk}").focus()
    office.keyboard.press("Space")  # bootstrap-italia's label covers the box: by keyboard
    assert office.locator(f"#classe-{cast.classroom_1a.pk}").is_checked()
    with office.expect_navigation():
        office.get_by_role("button", name="Crea il pagellino").click()
    assert "Pagellino creato" in office.content()
    assert_accessible(office)
    created = InterimRound.objects.get()

    # The maths teacher changes the child's mark by keyboard (another browser context).
    teacher_context = office.context.browser.new_context(  # type: ignore[union-attr]
        viewport={"width": 1280, "height": 900}, locale="it-IT"
    )
    try:
        teacher = teacher_context.new_page()
        login(teacher, base, "teacher", PASSWORD)
        teacher.goto(f"{base}/pagelle/pagellini/")
        with teacher.expect_navigation():
            teacher.get_by_test_id(
                f"assignment-{created.pk}-{cast.classroom_1a.pk}-{cast.maths.pk}"
            ).locator("a").click()
        assert_accessible(teacher)
        field = teacher.locator(f"#voto-{cast.child.pk}")
        assert field.input_value() == "5"  # from the register
        field.focus()
        teacher.keyboard.press("Control+A")
        teacher.keyboard.type("7")
        with teacher.expect_navigation():
            teacher.keyboard.press("Enter")
        assert "Valutazioni salvate" in teacher.content()
        assert teacher.locator(f"#voto-{cast.child.pk}").input_value() == "7"
        assert_accessible(teacher)
    finally:
        teacher_context.close()

    # Before the publication the guardian sees nothing.
    login(family, base, "guardian", PASSWORD)
    family.goto(f"{base}/pagelle/pagellini/")
    assert family.get_by_test_id("no-interims").is_visible()
    pdf_url = f"{base}/pagelle/pagellini/{created.pk}/studenti/{cast.child.pk}/pdf/"
    assert family.request.get(pdf_url).status == 404

    # The office publishes from this morning.
    office.goto(f"{base}/pagelle/pagellini/{created.pk}/")
    office.fill("#data", timezone.localdate().isoformat())
    office.fill("#ora", "00:00")
    with office.expect_navigation():
        office.get_by_test_id("publish-form").get_by_role("button").click()
    assert "Pubblicazione impostata" in office.content()
    assert_accessible(office)

    # The guardian reads it on the phone, downloads the PDF and confirms.
    family.goto(f"{base}/pagelle/pagellini/")
    assert_accessible(family)
    assert_fits_the_screen(family)
    with family.expect_navigation():
        family.get_by_test_id(f"interim-{created.pk}-{cast.child.pk}").locator("a").click()
    assert "7" in family.get_by_test_id("marks").inner_text()
    assert_accessible(family)
    assert_fits_the_screen(family)
    with family.expect_download() as download_info:
        family.get_by_test_id("download").click()
    saved = tmp_path / "pagellino.pdf"
    download_info.value.save_as(saved)
    text = pdf_text(saved.read_bytes())
    assert "Matematica 7 (sette)" in text and cast.child.surname in text
    family.get_by_test_id("confirm").focus()
    with family.expect_navigation():
        family.keyboard.press("Enter")
    assert family.get_by_test_id("confirmed").is_visible()
    assert_accessible(family)
    assert_fits_the_screen(family)
    assert InterimConfirmation.objects.filter(user=cast.guardian, student=cast.child).count() == 1

    # The office's classroom list shows who confirmed.
    office.goto(f"{base}/pagelle/pagellini/{created.pk}/classi/{cast.classroom_1a.pk}/")
    row = office.get_by_test_id(f"student-{cast.child.pk}")
    assert row.get_attribute("data-confirmed") == "1"
    assert (
        office.get_by_test_id(f"student-{cast.other_child.pk}").get_attribute("data-confirmed")
        == "0"
    )
    assert_accessible(office)
    assert desktop.errors == [] and phone.errors == []


def test_staff_pages_fit_the_phone(live_cast: Cast, live_server: Any, phone: Watched) -> None:
    """The office's and the coordinator's pages at 375 px, axe-clean."""
    base, cast, page = live_server.url, live_cast, phone.page
    from campanella.reportcards.interim import interim_round_create

    created = interim_round_create(
        user=cast.office, school=cast.school, term=term_of(cast), title="Metà periodo",
        classrooms=[cast.classroom_1a],
    )  # fmt: skip
    login(page, base, "coordinator", PASSWORD)
    for path in (
        "/pagelle/pagellini/",
        f"/pagelle/pagellini/{created.pk}/",
        f"/pagelle/pagellini/{created.pk}/classi/{cast.classroom_1a.pk}/",
        f"/pagelle/pagellini/{created.pk}/classi/{cast.classroom_1a.pk}/materie/{cast.italian.pk}/",
    ):
        page.goto(f"{base}{path}")
        assert_accessible(page)
        assert_fits_the_screen(page)
    office_context = page.context.browser.new_context(  # type: ignore[union-attr]
        viewport={"width": 375, "height": 812}, locale="it-IT", is_mobile=True, has_touch=True
    )
    try:
        office = office_context.new_page()
        login(office, base, "office", PASSWORD)
        office.goto(f"{base}/pagelle/pagellini/nuovo/")
        assert_accessible(office)
        assert_fits_the_screen(office)
    finally:
        office_context.close()
    assert phone.errors == []
