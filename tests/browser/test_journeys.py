"""Each role logs in by keyboard, sees its home with real data; every page passes axe-core.

Runs on a phone-sized screen (375 px) and on a desktop one.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.conftest import PASSWORD, Cast, build_cast

HOME_MARKERS = {
    "office": "office-home",
    "principal": "principal-home",
    "coordinator": "teacher-home",
    "teacher": "teacher-home",
    "guardian": "guardian-home",
    "child_user": "student-home",
    "adult_user": "student-home",
}


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    return build_cast()


@pytest.mark.parametrize("who", sorted(HOME_MARKERS))
def test_each_role_logs_in_and_sees_its_home_on_a_phone(
    live_cast: Cast, live_server: Any, phone: Watched, who: str
) -> None:
    page = phone.page
    login(page, live_server.url, getattr(live_cast, who).username, PASSWORD)
    assert page.locator(f'[data-testid="{HOME_MARKERS[who]}"]').is_visible()
    assert page.locator("h1").count() == 1
    assert_accessible(page)
    assert_fits_the_screen(page)
    assert phone.errors == []


def test_guardian_sees_both_children_and_opens_one(
    live_cast: Cast, live_server: Any, desktop: Watched
) -> None:
    page = desktop.page
    login(page, live_server.url, "guardian", PASSWORD)
    cards = page.locator('[data-testid="guardian-home"] .card-title')
    assert cards.count() == 2
    page.get_by_role("link", name=f"{live_cast.child.name} {live_cast.child.surname}").click()
    page.wait_for_url(f"**/alunni/{live_cast.child.pk}/")
    assert page.locator("h1").inner_text() == f"{live_cast.child.name} {live_cast.child.surname}"
    assert_accessible(page)
    assert desktop.errors == []


def test_teacher_opens_a_classroom_with_students_and_timetable(
    live_cast: Cast, live_server: Any, desktop: Watched
) -> None:
    page = desktop.page
    login(page, live_server.url, "teacher", PASSWORD)
    page.get_by_role("link", name="Classi", exact=True).click()
    page.wait_for_url("**/classi/")
    assert_accessible(page)
    page.get_by_role("link", name="1ª A").first.click()
    page.wait_for_url(f"**/classi/{live_cast.classroom_1a.pk}/")
    assert page.locator('[data-testid="student-list"] li').count() == 3
    assert page.get_by_role("table").count() == 2  # the class's teachers and the timetable
    assert_accessible(page)
    assert desktop.errors == []


def test_the_username_field_has_the_focus_on_arrival(
    live_cast: Cast, live_server: Any, phone: Watched
) -> None:
    phone.page.goto(f"{live_server.url}/accedi/")
    assert phone.page.evaluate("document.activeElement.id") == "id_username"


def test_login_page_and_wrong_password_are_accessible(
    live_cast: Cast, live_server: Any, phone: Watched
) -> None:
    page = phone.page
    page.goto(f"{live_server.url}/accedi/")
    assert_accessible(page)
    assert_fits_the_screen(page)
    page.fill("#id_username", "guardian")
    page.fill("#id_password", "sbagliata")
    page.get_by_role("button", name="Accedi").click()
    assert page.get_by_role("alert").inner_text().startswith("Nome utente o password non corretti")
    assert_accessible(page)


def test_skip_link_is_the_first_stop_of_the_keyboard(
    live_cast: Cast, live_server: Any, desktop: Watched
) -> None:
    page = desktop.page
    login(page, live_server.url, "office", PASSWORD)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Vai al contenuto principale"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_office_reaches_the_management_site(
    live_cast: Cast, live_server: Any, desktop: Watched
) -> None:
    page = desktop.page
    login(page, live_server.url, "office", PASSWORD)
    page.get_by_role("link", name="Amministrazione").click()
    page.wait_for_url("**/gestione/")
    assert page.get_by_role("link", name="Alunni").count() >= 1


def test_logout_by_keyboard(live_cast: Cast, live_server: Any, desktop: Watched) -> None:
    page = desktop.page
    login(page, live_server.url, "guardian", PASSWORD)
    page.get_by_role("button", name="Esci").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/accedi/")
    page.goto(f"{live_server.url}/")
    assert "/accedi/" in page.url


def test_the_accessibility_check_can_fail(desktop: Watched) -> None:
    """Guard against a silent harness: a page with known violations must be reported."""
    desktop.page.set_content("<html><body><img src='x.png'><a href='#'></a></body></html>")
    with pytest.raises(AssertionError):
        assert_accessible(desktop.page)
