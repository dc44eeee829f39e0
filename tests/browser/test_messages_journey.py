"""Issue 14 item 2 in Chromium: the maths teacher writes to the child's family; the guardian,
on a 375 px phone, sees the unread count in the header, opens the thread (the count drops) and
answers by keyboard; the teacher finds the answer. The office's and the teacher's other pages
fit the phone. Every page axe-clean."""

from __future__ import annotations

from typing import Any

import pytest

from campanella.comms.messages.models import Message, Side
from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.comms.routes_messages import teacher_thread
from tests.conftest import PASSWORD, Cast, build_cast


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    return build_cast()


def test_teacher_writes_guardian_answers_by_keyboard(
    live_cast: Cast, live_server: Any, desktop: Watched, phone: Watched
) -> None:
    base, cast, teacher, family = live_server.url, live_cast, desktop.page, phone.page
    login(teacher, base, "teacher", PASSWORD)
    teacher.goto(f"{base}/comunicazioni/messaggi/")
    assert_accessible(teacher)
    with teacher.expect_navigation():
        teacher.get_by_test_id("new-message").click()
    assert_accessible(teacher)
    teacher.select_option("#destinatario", f"{cast.child.pk}:famiglia")
    teacher.fill("#oggetto", "Compiti di matematica")
    teacher.fill("#testo", "Buongiorno, gli esercizi di oggi non sono stati consegnati.")
    with teacher.expect_navigation():
        teacher.get_by_test_id("send").click()
    assert "Messaggio inviato." in teacher.content()
    assert_accessible(teacher)

    login(family, base, "guardian", PASSWORD)
    assert "1" in family.get_by_test_id("unread-messages").inner_text()
    with family.expect_navigation():
        family.get_by_test_id("unread-messages").click()
    assert_accessible(family)
    assert_fits_the_screen(family)
    with family.expect_navigation():
        family.get_by_test_id("thread-list").get_by_role("link").first.click()
    assert "gli esercizi di oggi" in family.get_by_test_id("messages").inner_text()
    assert "1" not in family.get_by_test_id("unread-messages").inner_text()
    assert_accessible(family)
    assert_fits_the_screen(family)
    family.locator("#testo").focus()
    family.keyboard.type("Grazie, li consegnerà domani.")
    family.get_by_test_id("send").focus()
    with family.expect_navigation():
        family.keyboard.press("Enter")
    assert "Messaggio inviato." in family.content()
    assert "li consegnerà domani" in family.get_by_test_id("messages").inner_text()
    assert_accessible(family)
    assert Message.objects.latest("pk").author_side == Side.FAMILY

    teacher.goto(f"{base}/comunicazioni/messaggi/")
    assert "1" in teacher.get_by_test_id("unread-messages").inner_text()
    assert desktop.errors == [] and phone.errors == []


def test_office_and_teacher_pages_fit_the_phone(
    live_cast: Cast, live_server: Any, phone: Watched
) -> None:
    base, cast, page = live_server.url, live_cast, phone.page
    thread = teacher_thread(cast)
    login(page, base, "office", PASSWORD)
    for path in (
        "/comunicazioni/messaggi/",
        "/comunicazioni/messaggi/nuovo/",
        "/comunicazioni/messaggi/classi/",
        "/comunicazioni/messaggi/orario/",
    ):
        page.goto(f"{base}{path}")
        assert_accessible(page)
        assert_fits_the_screen(page)
    page.context.clear_cookies()
    login(page, base, "teacher", PASSWORD)
    for path in ("/comunicazioni/messaggi/orario/", f"/comunicazioni/messaggi/{thread.pk}/"):
        page.goto(f"{base}{path}")
        assert_accessible(page)
        assert_fits_the_screen(page)
    assert phone.errors == []
