"""Issue 11, items 2 and 6, in Chromium: a guardian finds the class's teachers from home, and
the child switcher in the header shows the same page for the other child (desktop and 375 px,
axe-clean)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from campanella.people.models import Staff
from campanella.school.models import SubjectKind, TeachingKind
from tests import factories as f
from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.conftest import PASSWORD, Cast, build_cast


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    cast = build_cast()
    support = f.SubjectFactory(
        institute=cast.institute, name="Sostegno", short_name="SOS", kind=SubjectKind.SUPPORT
    )
    f.TeachingFactory(
        teacher=f.StaffFactory(institute=cast.institute, surname="Sostegni", name="Lia"),
        classroom=cast.classroom_1a, subject=support, kind=TeachingKind.SUPPORT,
        support_student=cast.child,
    )  # fmt: skip
    return cast


def switch_to(page: Page, child_id: int, expected_path: str) -> None:
    """Choose a child in the header and press "Cambia", by keyboard."""
    page.select_option("#child-select", str(child_id))
    page.locator("#child-select").focus()
    page.keyboard.press("Tab")  # to the "Cambia" button
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(expected_path), page.url
    assert page.input_value("#child-select") == str(child_id)


def teachers_path(classroom_id: int) -> str:
    return f"/classi/{classroom_id}/docenti/"


def check_teachers_page(page: Page, cast: Cast) -> None:
    table = page.get_by_test_id("teacher-list").inner_text()
    teacher = Staff.objects.get(user=cast.teacher).full_name
    coordinator = Staff.objects.get(user=cast.coordinator).full_name
    assert teacher in table and "Matematica" in table
    assert coordinator in table and "coordinatore" in table
    assert "Sostegni Lia" in table and "sostegno" in table
    assert cast.child.surname not in table  # whom the support teacher follows stays private


def test_guardian_sees_the_teachers_and_switches_child(
    live_cast: Cast, live_server: Any, desktop: Watched
) -> None:
    base, cast, page = live_server.url, live_cast, desktop.page
    login(page, base, "guardian", PASSWORD)
    with page.expect_navigation():
        page.locator(f"a[href='{teachers_path(cast.classroom_1a.pk)}']").click()
    assert page.locator("h1").inner_text() == "Docenti della classe 1ª A"
    check_teachers_page(page, cast)
    assert_accessible(page)
    # The teachers page of the other child is their classroom's.
    switch_to(page, cast.sibling.pk, teachers_path(cast.classroom_2b.pk))
    assert "Italiano" in page.get_by_test_id("teacher-list").inner_text()
    # The grades page of the first child becomes the second child's grades page.
    page.goto(f"{base}/voti/alunno/{cast.child.pk}/")
    assert page.input_value("#child-select") == str(cast.child.pk)
    switch_to(page, cast.sibling.pk, f"/voti/alunno/{cast.sibling.pk}/")
    assert page.locator("h1").inner_text() == f"Voti di {cast.sibling.name}"
    assert_accessible(page)
    # …and the register page back to the first child's.
    page.goto(f"{base}/registro/alunno/{cast.sibling.pk}/")
    switch_to(page, cast.child.pk, f"/registro/alunno/{cast.child.pk}/")
    assert page.locator("h1").inner_text() == f"Registro di {cast.child.name}"
    assert desktop.errors == []


def test_on_a_phone(live_cast: Cast, live_server: Any, phone: Watched) -> None:
    base, cast, page = live_server.url, live_cast, phone.page
    login(page, base, "guardian", PASSWORD)
    page.goto(f"{base}{teachers_path(cast.classroom_1a.pk)}")
    check_teachers_page(page, cast)
    assert_accessible(page)
    assert_fits_the_screen(page)
    page.goto(f"{base}/voti/alunno/{cast.child.pk}/")
    switch_to(page, cast.sibling.pk, f"/voti/alunno/{cast.sibling.pk}/")
    assert page.locator("h1").inner_text() == f"Voti di {cast.sibling.name}"
    assert_fits_the_screen(page)
    # The child's page links to the three pages of the child.
    page.goto(f"{base}/alunni/{cast.sibling.pk}/")
    links = page.get_by_test_id("student-pages")
    assert links.get_by_role("link", name="Docenti della classe").get_attribute("href") == (
        teachers_path(cast.classroom_2b.pk)
    )
    assert_accessible(page)
    assert_fits_the_screen(page)
    assert phone.errors == []
