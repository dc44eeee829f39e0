"""Issue 14 item 3 in Chromium: the maths teacher publishes a weekly hour of meetings; the
guardian, on a 375 px phone and by keyboard, finds the teacher under the child, books the
first slot and sees the booking; the teacher's day lists it; the office's general days page.
Every page axe-clean."""

from __future__ import annotations

from typing import Any

import pytest

from campanella.comms.meetings.models import MeetingBooking
from campanella.people.models import Staff
from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.comms.meetings_support import publish_on, weekday_in
from tests.conftest import PASSWORD, Cast, build_cast


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    return build_cast()


def test_teacher_publishes_guardian_books_teacher_sees_it(
    live_cast: Cast, live_server: Any, desktop: Watched, phone: Watched
) -> None:
    base, cast, teacher, family = live_server.url, live_cast, desktop.page, phone.page
    day = weekday_in(2)
    login(teacher, base, "teacher", PASSWORD)
    teacher.goto(f"{base}/comunicazioni/colloqui/ricevimento/")
    assert_accessible(teacher)
    slots = publish_on(cast, day)  # the form itself: tests/comms/test_meetings_pages.py

    login(family, base, "guardian", PASSWORD)
    family.goto(f"{base}/comunicazioni/colloqui/")
    assert_accessible(family)
    assert_fits_the_screen(family)
    name = Staff.objects.get(user=cast.teacher).full_name
    with family.expect_navigation():
        family.get_by_role("link", name=name).first.click()
    assert_accessible(family)
    assert_fits_the_screen(family)
    family.get_by_test_id(f"book-{slots[0].pk}").focus()
    with family.expect_navigation():
        family.keyboard.press("Enter")
    assert "Colloquio prenotato" in family.content()
    booking = MeetingBooking.objects.get()
    assert booking.slot_id == slots[0].pk and booking.student_id == cast.child.pk
    assert family.get_by_test_id(f"cancel-{booking.pk}").is_visible()
    assert_accessible(family)
    assert_fits_the_screen(family)

    teacher.goto(f"{base}/comunicazioni/colloqui/agenda/?giorno={day.isoformat()}")
    assert cast.child.surname in teacher.get_by_test_id("day-bookings").inner_text()
    assert_accessible(teacher)

    teacher.context.clear_cookies()
    login(teacher, base, "office", PASSWORD)
    teacher.goto(f"{base}/comunicazioni/colloqui/udienze-generali/")
    assert_accessible(teacher)
