"""Issue 11, item 3, done when: a teacher enters a class's grades with Tab/Enter only, with one
refused value kept in its cell. Only Tab, Enter and typing are pressed; the grades given are
not Tab stops between the cells; saved and refused states are said next to each cell (a live
region in the cell); axe finds nothing on a desktop and on a 375 px phone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from campanella.grades.models import Grade
from campanella.people.selectors import enrolled_students
from tests import factories as f
from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.conftest import PASSWORD, Cast, build_cast

ACTIVE = "document.activeElement.id"
# What a Tab lands on: an id, or the kind of element and its class.
STOP = (
    "(() => { const e = document.activeElement;"
    " return e.id || (e.tagName + '.' + e.className); })()"
)


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    cast = build_cast()
    fourth = f.StudentFactory(institute=cast.institute)
    f.EnrollmentFactory(student=fourth, classroom=cast.classroom_1a)
    return cast


def status_of(page: Page, student_id: int) -> str:
    """The live region of a student's cell, which must sit in the same table cell."""
    region = page.locator(f"td:has(#voto-{student_id}) [role=status]#voto-{student_id}-stato")
    assert region.count() == 1
    return region.inner_text()


def wait_for_status(page: Page, student_id: int, text: str) -> None:
    page.wait_for_function(
        "([id, text]) => document.getElementById(id).textContent.includes(text)",
        arg=[f"voto-{student_id}-stato", text],
    )


def test_a_teacher_enters_a_class_by_keyboard_with_a_refused_value_kept(
    live_cast: Cast, live_server: Any, desktop: Watched, phone: Watched
) -> None:
    base = live_server.url
    book = f"{base}/voti/{live_cast.classroom_1a.pk}/{live_cast.maths.pk}/"
    order = [s.pk for s in enrolled_students(live_cast.classroom_1a)]
    first, second, third, fourth = order
    page = desktop.page
    login(page, base, "teacher", PASSWORD)
    page.goto(book)
    assert "Da tastiera" in page.locator("main").inner_text()

    # From the top of the page to the first cell, by Tab only.
    stops = []
    for _ in range(40):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(STOP))
        if stops[-1] == f"voto-{first}":
            break
    assert stops[-1] == f"voto-{first}", stops
    # The skip link first (the header's menu grows with the product and is skipped with it);
    # then, inside the page, the term, the test's fields (Chromium gives a date field four
    # stops) and straight to the first cell.
    assert stops[0] == "A.visually-hidden-focusable", stops
    in_page = stops[max(i for i, stop in enumerate(stops) if stop == "A.nav-link") + 1 :]
    assert in_page[-2] == "not_counting", stops
    assert len(in_page) <= 16, in_page

    # A grade with a comment for the family: Tab to the comment, Enter saves and moves on.
    page.keyboard.type("7")
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE) == f"commento-{first}"
    page.keyboard.type("Ottimo lavoro")
    page.keyboard.press("Enter")
    wait_for_status(page, first, "Salvato: 7")
    assert page.evaluate(ACTIVE) == f"voto-{second}"
    assert status_of(page, first) == "Salvato: 7, con il commento"

    # A refused value: the cursor stays in its cell, marked invalid and tied to the reason.
    page.keyboard.type("11")
    page.keyboard.press("Enter")
    wait_for_status(page, second, "fuori scala")
    assert page.evaluate(ACTIVE) == f"voto-{second}"
    cell = page.locator(f"#voto-{second}")
    assert cell.get_attribute("aria-invalid") == "true"
    assert cell.get_attribute("aria-describedby") == f"voto-{second}-stato"
    assert cell.input_value() == "11"
    assert_accessible(page)  # the refused state passes axe too
    page.keyboard.type("6")  # the refused text is selected: typing replaces it
    page.keyboard.press("Enter")
    wait_for_status(page, second, "Salvato: 6")
    assert cell.get_attribute("aria-invalid") is None
    assert page.evaluate(ACTIVE) == f"voto-{third}"

    # Tab goes cell to cell: grade, comment, the next grade; the grades given are not stops.
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE) == f"commento-{third}"
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE) == f"voto-{fourth}"
    page.keyboard.type("5-")
    page.keyboard.press("Enter")
    wait_for_status(page, fourth, "Salvato: 5-")
    # Back up from the last cell by Tab: never through a grade link.
    for expected in (f"commento-{third}", f"voto-{third}", f"commento-{second}"):
        page.keyboard.press("Shift+Tab")
        assert page.evaluate(ACTIVE) == expected

    saved = {g.student_id: (str(g.value), g.comment) for g in Grade.objects.all()}
    assert saved == {
        first: ("7.00", "Ottimo lavoro"),
        second: ("6.00", ""),
        fourth: ("4.75", ""),
    }
    chips = page.locator("a.cmp-chip")
    assert chips.count() == 3
    assert all(chips.nth(i).get_attribute("tabindex") == "-1" for i in range(3))
    # Under the pass mark: red and a ▼, said "insufficiente" to screen readers.
    below = page.locator(f"tr[data-student='{fourth}'] a.cmp-chip .cmp-below")
    assert below.inner_text().startswith("▼")
    assert "insufficiente" in below.locator(".visually-hidden").inner_text()
    assert page.get_by_test_id(f"average-{fourth}").inner_text().startswith("▼")
    assert_accessible(page)
    assert desktop.errors == []

    # The same book on a phone: axe-clean, the table scrolls inside the page.
    login(phone.page, base, "teacher", PASSWORD)
    phone.page.goto(book)
    assert_accessible(phone.page)
    assert_fits_the_screen(phone.page)
    assert phone.errors == []


def test_the_grades_given_are_reached_from_an_empty_cell(
    live_cast: Cast, live_server: Any, desktop: Watched
) -> None:
    """← from an empty cell reaches the row's grades (out of the Tab order); Esc comes back;
    Enter on a grade opens its page."""
    base = live_server.url
    order = [s.pk for s in enrolled_students(live_cast.classroom_1a)]
    page = desktop.page
    login(page, base, "teacher", PASSWORD)
    page.goto(f"{base}/voti/{live_cast.classroom_1a.pk}/{live_cast.maths.pk}/")
    for text in ("8", "6½"):
        page.locator(f"#voto-{order[0]}").focus()
        page.keyboard.type(text)
        page.keyboard.press("Enter")
        page.wait_for_function(
            "([id, t]) => document.getElementById(id).textContent.includes(t)",
            arg=[f"voto-{order[0]}-stato", f"Salvato: {text}"],
        )
    page.locator(f"#voto-{order[0]}").focus()
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("document.activeElement.textContent").startswith("6½")
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("document.activeElement.textContent").startswith("8")
    page.keyboard.press("Escape")
    assert page.evaluate(ACTIVE) == f"voto-{order[0]}"
    page.keyboard.press("ArrowDown")
    assert page.evaluate(ACTIVE) == f"voto-{order[1]}"
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowLeft")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/voti/voto/" in page.url
    assert desktop.errors == []
