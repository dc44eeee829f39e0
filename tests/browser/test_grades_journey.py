"""Issue 5's journey: the teacher types 7+ and 5½ in the grade book by keyboard; the guardian
sees them with the averages and the chart; a grade hidden until a date stays hidden."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.conftest import PASSWORD, Cast, build_cast


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    return build_cast()


def test_keyboard_grades_then_family_view(
    live_cast: Cast, live_server: Any, desktop: Watched, phone: Watched
) -> None:
    base = live_server.url
    book = f"{base}/voti/{live_cast.classroom_1a.pk}/{live_cast.maths.pk}/"
    page = desktop.page
    login(page, base, "teacher", PASSWORD)
    page.goto(book)
    assert_accessible(page)
    cells = page.locator("input[id^=voto-]")
    order = [cells.nth(i).get_attribute("id") for i in range(cells.count())]
    mine = order.index(f"voto-{live_cast.child.pk}")
    # The cursor moves on to the next student's cell; after the last student it stays in that
    # student's cell (names are random: the child may be last).
    child_cell = f"voto-{live_cast.child.pk}"
    expected = order[mine + 1] if mine + 1 < len(order) else child_cell
    page.select_option("#kind", "orale")
    page.fill("#description", "Interrogazione")
    # Another student in the first rows (someone always follows them), then the child.
    other = next(i for i, cell in enumerate(order) if cell != f"voto-{live_cast.child.pk}")
    page.locator(f"#{order[other]}").focus()
    page.keyboard.type("8")
    page.keyboard.press("Enter")  # saved in place (grade-book.js), said next to the cell
    page.wait_for_function("(id) => document.activeElement.id === id", arg=order[other + 1])
    for text in ("7+", "5½"):
        page.locator(f"#voto-{live_cast.child.pk}").focus()
        page.keyboard.type(text)
        page.keyboard.press("Enter")
        page.wait_for_function(
            "([id, t]) => document.getElementById(id).textContent === t",
            arg=[f"voto-{live_cast.child.pk}-stato", f"Salvato: {text}"],
        )
        # Saved: the cursor waits in the next student's cell, the test's details are kept.
        assert page.evaluate("document.activeElement.id") == expected
        assert page.input_value("#kind") == "orale"
        assert page.input_value("#description") == "Interrogazione"
    assert page.get_by_test_id(f"average-{live_cast.child.pk}").inner_text() == "6,38"
    assert desktop.errors == []

    family = phone.page
    login(family, base, "guardian", PASSWORD)
    family.goto(f"{base}/voti/alunno/{live_cast.child.pk}/")
    grades = family.get_by_test_id("grades").first.inner_text()
    assert "7+" in grades and "5½" in grades
    assert family.get_by_test_id("average").first.inner_text() == "6,38"
    chart = family.locator("svg[role=img]").first
    assert chart.locator("polyline.cmp-trend-line").count() == 1
    assert chart.locator("polyline.cmp-trend-average").count() == 1
    assert chart.locator("line.cmp-trend-pass").count() == 1
    assert_accessible(family)
    assert_fits_the_screen(family)
    assert phone.errors == []


def test_hidden_grade_is_not_visible_to_the_family(
    live_cast: Cast, live_server: Any, desktop: Watched
) -> None:
    live_cast.institute.grades_visible_after_days = 5
    live_cast.institute.save()
    base = live_server.url
    page = desktop.page
    login(page, base, "teacher", PASSWORD)
    page.goto(f"{base}/voti/{live_cast.classroom_1a.pk}/{live_cast.maths.pk}/")
    page.locator(f"#voto-{live_cast.child.pk}").fill("9")
    with page.expect_navigation():
        page.get_by_role("button", name="Salva i voti").click()
    page.get_by_role("button", name="Esci", exact=True).click()
    page.wait_for_url("**/accedi/")
    login(page, base, "guardian", PASSWORD)
    page.goto(f"{base}/voti/alunno/{live_cast.child.pk}/")
    assert "Nessun voto" in page.locator("main").inner_text()


def test_class_averages_on_a_phone(live_cast: Cast, live_server: Any, phone: Watched) -> None:
    base = live_server.url
    page = phone.page
    login(page, base, "teacher", PASSWORD)
    page.goto(f"{base}/voti/{live_cast.classroom_1a.pk}/{live_cast.maths.pk}/")
    assert_fits_the_screen(page)  # the grade book on a phone: the table scrolls, not the page
    page.locator(f"#voto-{live_cast.child.pk}").fill("8")
    page.locator(f"#voto-{live_cast.other_child.pk}").fill("6½")
    with page.expect_navigation():
        page.get_by_role("button", name="Salva i voti").click()
    with page.expect_navigation():  # a grade's own page: correct, cancel, details, history
        page.get_by_role("link", name="6½").first.click()
    assert_accessible(page)
    assert_fits_the_screen(page)
    page.get_by_role("button", name="Esci", exact=True).click()
    page.wait_for_url("**/accedi/")
    login(page, base, "coordinator", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("link", name="Medie della classe").first.click()
    table = page.get_by_test_id("class-averages")
    assert "7,25" in table.locator("tfoot").inner_text()  # (8 + 6.5) / 2
    assert page.get_by_test_id(f"overall-{live_cast.child.pk}").inner_text() == "8,00"
    assert_accessible(page)
    assert_fits_the_screen(page)
    assert phone.errors == []
