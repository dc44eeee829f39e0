"""Issue 12, item 3: a teacher adjusts the proposals of a class by keyboard only (typing, Tab,
Enter, arrows): Enter saves the row and moves to the next student; a failing proposal without
gaps is refused and the cursor goes to the gaps; the statuses are said next to each proposal
(a live region in the cell); axe finds nothing on a desktop (refused state included) nor on a
375 px phone; the coordinator's whole grid and the office's reading page (on a phone) are
axe-clean too."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Page

from campanella.evaluation.models import SubjectMark
from campanella.evaluation.proposals import proposals_read
from campanella.people.selectors import enrolled_students
from campanella.school.models import Term
from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.conftest import PASSWORD, Cast, build_cast
from tests.evaluation.routes import a_session
from tests.evaluation.test_proposals import grade, weekday_in

ACTIVE = "document.activeElement.id"


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    cast = build_cast()
    term = Term.objects.get(school=cast.school)
    for student, value in ((cast.child, "7"), (cast.adult_student, "5")):
        grade(student, cast.maths, weekday_in(term, 0), value, classroom=cast.classroom_1a)
    proposals_read(user=cast.coordinator, classrooms=[cast.classroom_1a], term=term)
    return cast


def wait_for_status(page: Page, student_id: int, text: str) -> None:
    page.wait_for_function(
        "([id, text]) => document.getElementById(id).textContent.includes(text)",
        arg=[f"stato-{student_id}", text],
    )


def test_a_teacher_adjusts_proposals_by_keyboard(
    live_cast: Cast, live_server: Any, desktop: Watched, phone: Watched
) -> None:
    base = live_server.url
    url = f"{base}/scrutini/{a_session(live_cast).pk}/proposte/"
    first, second, third = (s.pk for s in enrolled_students(live_cast.classroom_1a))
    page = desktop.page
    login(page, base, "teacher", PASSWORD)
    page.goto(url)
    assert "Da tastiera" in page.locator("main").inner_text()
    assert page.locator(f"#proposta-{first}").input_value() in {"7", "5", ""}

    # From the top of the page to the first proposal, by Tab only.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate(ACTIVE) == f"proposta-{first}":
            break
    assert page.evaluate(ACTIVE) == f"proposta-{first}"

    # A whole mark, Enter: saved, and on to the next student.
    page.keyboard.type("8")
    page.keyboard.press("Enter")
    wait_for_status(page, first, "Salvato")
    assert page.evaluate(ACTIVE) == f"proposta-{second}"

    # A failing mark without gaps: refused, the cursor goes to the gaps, tied to the reason.
    page.keyboard.type("4")
    page.keyboard.press("Enter")
    wait_for_status(page, second, "carenze")
    assert page.evaluate(ACTIVE) == f"carenze-{second}"
    gaps = page.locator(f"#carenze-{second}")
    assert gaps.get_attribute("aria-invalid") == "true"
    assert gaps.get_attribute("aria-describedby") == f"stato-{second}"
    assert_accessible(page)  # the refused state passes axe too
    page.keyboard.type("Equazioni e disequazioni")
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE) == f"recupero-{second}"
    page.keyboard.press("ArrowDown")  # a closed select: the next mode
    page.keyboard.press("Enter")
    wait_for_status(page, second, "Salvato")
    assert gaps.get_attribute("aria-invalid") is None
    assert page.evaluate(ACTIVE) == f"proposta-{third}"

    # Arrows move between students in the same column.
    page.keyboard.press("ArrowUp")
    assert page.evaluate(ACTIVE) == f"proposta-{second}"
    page.keyboard.press("ArrowDown")
    page.keyboard.type("NC")
    page.keyboard.press("Tab")
    page.keyboard.type("Non valutabile: nessuna prova")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    wait_for_status(page, third, "Salvato")

    marks = {m.student_id: m for m in SubjectMark.objects.filter(subject=live_cast.maths)}
    assert marks[first].proposed_mark == Decimal(8)
    assert (marks[second].proposed_mark, marks[second].gaps) == (
        Decimal(4),
        "Equazioni e disequazioni",
    )
    assert marks[second].recovery_mode != ""
    assert marks[third].proposed_judgement == "NC"
    assert all(m.changed_by_hand for m in marks.values())
    assert_accessible(page)
    assert desktop.errors == []

    # The same grid on a phone: axe-clean, the table scrolls inside the page.
    login(phone.page, base, "teacher", PASSWORD)
    phone.page.goto(url)
    assert_accessible(phone.page)
    assert_fits_the_screen(phone.page)
    assert phone.errors == []


def test_the_coordinators_grid_and_the_offices_reading_are_accessible(
    live_cast: Cast, live_server: Any, desktop: Watched, phone: Watched
) -> None:
    base = live_server.url
    login(desktop.page, base, "coordinator", PASSWORD)
    desktop.page.goto(f"{base}/scrutini/{a_session(live_cast).pk}/proposte/")
    assert "Chi manca" in desktop.page.locator("main").inner_text()
    assert_accessible(desktop.page)
    assert desktop.errors == []
    login(phone.page, base, "office", PASSWORD)
    phone.page.goto(f"{base}/scrutini/proposte/lettura/")
    assert_accessible(phone.page)
    assert_fits_the_screen(phone.page)
    assert phone.errors == []
