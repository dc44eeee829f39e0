"""The teacher's day page in Chromium, on a desktop and a phone, for a class of 25 with six
hours (issue 11: item 5). Before: 6,835 px on a desktop and 7,293 px on a phone for the demo's
class, the roll call below a signature form per hour (bench/day_page.py, docs/benchmarks.md)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from campanella.register.models import LateEntry
from campanella.school.models import HourSlot, TimetableEntry
from tests import factories as f
from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.conftest import PASSWORD, Cast, build_cast, school_day

CLASS_SIZE = 25
# Ceilings with room for fonts and wrapping: this class measured 2,713 px on a desktop and
# 3,962 px on a phone after the change.
MAX_HEIGHT = {"desktop": 3_300, "phone": 4_500}

MEASURE = """
() => ({
  height: document.documentElement.scrollHeight,
  viewport: window.innerHeight,
  ownHour: document.querySelector('[data-testid=own-hour]').getBoundingClientRect().top,
  rollCall: document.querySelector('#roll-title').getBoundingClientRect().bottom,
})
"""


@pytest.fixture
def full_class(transactional_db: Any, live_server: Any) -> Cast:
    """The cast's 1ª A with 25 students and six hours a day (the teacher's is the first)."""
    cast = build_cast()
    for _ in range(CLASS_SIZE - 3):
        f.EnrollmentFactory(classroom=cast.classroom_1a)
    subjects = [cast.classroom_1a.subjects.first().subject] * 4  # type: ignore[union-attr]
    for number in (4, 5, 6):
        HourSlot.objects.create(
            school=cast.school,
            number=number,
            start_time=datetime.time(7 + number, 0),
            end_time=datetime.time(7 + number, 55),
        )
    for weekday in range(5):
        for slot, subject in zip(
            cast.school.hour_slots.filter(number__gte=3).order_by("number"), subjects, strict=True
        ):
            TimetableEntry.objects.create(
                classroom=cast.classroom_1a, weekday=weekday, slot=slot, subject=subject
            )
    return cast


def a_past_day(cast: Cast) -> datetime.date:
    """The school day before today: its first hour is the teacher's whatever the clock says
    (today's page puts the hour under way first, so the test would depend on the time)."""
    return school_day(cast, school_day(cast) - datetime.timedelta(days=1))


def open_day(page: Page, base: str, cast: Cast) -> str:
    login(page, base, "teacher", PASSWORD)
    url = f"{base}/registro/{cast.classroom_1a.pk}/{a_past_day(cast).isoformat()}/"
    page.goto(url)
    return url


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_the_roll_call_and_the_own_hour_are_on_the_first_screen(
    full_class: Cast, live_server: Any, screen: str, request: pytest.FixtureRequest
) -> None:
    watched: Watched = request.getfixturevalue(screen)
    page = watched.page
    open_day(page, live_server.url, full_class)
    sizes = page.evaluate(MEASURE)
    assert sizes["ownHour"] < sizes["rollCall"] <= sizes["viewport"], sizes
    assert sizes["height"] <= MAX_HEIGHT[screen], sizes
    assert page.get_by_test_id("roll-call").get_by_role("checkbox").count() == CLASS_SIZE
    own = page.get_by_test_id("own-hour")
    expect(own).to_contain_text("La tua ora")
    expect(own).to_contain_text("1ª ora")
    assert own.get_attribute("aria-current") == "true"
    folded = page.get_by_test_id("hour")
    assert folded.count() == 5
    for index in range(5):
        expect(folded.nth(index).get_by_role("button", name="Firma la")).to_be_hidden()
    assert_accessible(page)
    if screen == "phone":
        assert_fits_the_screen(page)
    assert watched.errors == []


def test_a_folded_hour_opens_by_keyboard_and_a_late_entry_needs_a_chosen_student(
    full_class: Cast, live_server: Any, desktop: Watched
) -> None:
    page = desktop.page
    open_day(page, live_server.url, full_class)
    # From the roll call's button, Tab reaches the first folded hour; Enter opens it.
    page.get_by_role("button", name="Salva l'appello").focus()
    page.keyboard.press("Tab")
    summary = page.get_by_test_id("hour").first.locator("summary")
    expect(summary).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Firma la 2ª ora")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.locator("#topic-" + page.get_by_test_id("hour").first.locator(
        "input[name=slot]").get_attribute("value"))).to_be_focused()  # fmt: skip
    assert_accessible(page)

    # The late entry's list starts on no one, and the browser will not send it so.
    student = page.locator("#late_student")
    assert student.input_value() == ""
    page.locator("#late_time").fill("09:10")
    page.get_by_role("button", name="Registra l'entrata").click()
    assert student.evaluate("el => el.validationMessage") != ""
    assert page.url.endswith(f"/{a_past_day(full_class).isoformat()}/")
    assert not LateEntry.objects.exists()
    student.select_option(str(full_class.child.pk))
    with page.expect_navigation():
        page.get_by_role("button", name="Registra l'entrata").click()
    assert LateEntry.objects.filter(student=full_class.child).exists()
    assert desktop.errors == []
