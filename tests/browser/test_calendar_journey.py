"""On a 375 px phone, by keyboard: a guardian sees on the home what to justify and what is new,
makes the private calendar address (shown once), the address gives a feed that `icalendar`
parses with the child's test; then revokes it. A teacher's home lists the justification
waiting. Every page passes axe-core and fits the screen."""

from __future__ import annotations

from typing import Any

import icalendar
import pytest
import requests

from campanella.register.services import agenda_add, justification_submit, roll_call_save
from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.conftest import PASSWORD, Cast, build_cast, school_day


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    return build_cast()


def test_calendar_and_home_news(live_cast: Cast, live_server: Any, phone: Watched) -> None:
    base, cast, page = live_server.url, live_cast, phone.page
    day = school_day(cast)
    roll_call_save(user=cast.teacher, classroom=cast.classroom_1a, day=day,
                   absent_ids=[cast.child.pk, cast.other_child.pk])  # fmt: skip
    agenda_add(user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths,
               kind="verifica", day=day, text="Frazioni")  # fmt: skip

    login(page, base, "guardian", PASSWORD)
    assert "Da giustificare: 1" in page.get_by_test_id("to-justify").inner_text()
    assert "Verifica Matematica" in page.get_by_test_id("child-news").inner_text()
    assert_accessible(page)
    assert_fits_the_screen(page)

    page.goto(base + "/comunicazioni/calendario/")
    assert_accessible(page)
    create = page.get_by_role("button", name="Crea l'indirizzo del calendario")
    create.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    address = page.get_by_label("Indirizzo del calendario").input_value()
    assert address.startswith(base + "/comunicazioni/calendario/")
    assert_accessible(page)
    assert_fits_the_screen(page)

    feed = requests.get(address, timeout=10)
    assert feed.status_code == 200
    summaries = [
        str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    ]
    assert summaries == [f"{cast.child.name}: Verifica di Matematica"]

    page.goto(base + "/comunicazioni/calendario/")
    assert page.get_by_label("Indirizzo del calendario").count() == 0  # shown once only
    with page.expect_navigation():
        page.get_by_role("button", name="Revoca il calendario").click()
    assert "Nessun calendario attivo" in page.get_by_test_id("feed-status").inner_text()
    assert requests.get(address, timeout=10).status_code == 404

    justification_submit(user=cast.guardian, student=cast.child, kind="assenza", start=day,
                         reason="Febbre")  # fmt: skip
    page.context.clear_cookies()  # another person on another phone
    login(page, base, "teacher", PASSWORD)
    assert cast.child.surname in page.get_by_test_id("pending-justifications").inner_text()
    assert_accessible(page)
    assert_fits_the_screen(page)
    assert phone.errors == []
