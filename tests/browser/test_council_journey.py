"""The class council by keyboard, step by step, each page axe-clean: the coordinator opens the
council, reads the hours, confirms the marks (changing one), gives behaviour, civics, outcomes
and credits, closes the session and generates the documents; the marks grid on a phone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from campanella.evaluation.models import SessionDocument, Step, StudentResult, SubjectMark
from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.conftest import PASSWORD, Cast, build_cast
from tests.evaluation.council_support import at_step, council_session, propose, staff, students


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    return build_cast()


def submit_with_enter(page: Page, selector: str) -> None:
    """Enter in a text field sends its form, as a keyboard user does."""
    page.locator(selector).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def press_button(page: Page, name: str) -> None:
    page.get_by_role("button", name=name).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def saved(page: Page) -> None:
    assert page.locator("[data-testid=council-errors]").count() == 0, page.inner_text("main")


def test_the_council_step_by_step(
    live_cast: Cast, live_server: Any, desktop: Watched, phone: Watched
) -> None:
    c = live_cast
    session = council_session(c, step=Step.OPENING, year=3)
    propose(session, c, {(s, subject): 7 for s in students(c) for subject in (c.maths, c.italian)})
    base = f"{live_server.url}/scrutini/{session.pk}/consiglio"
    page = desktop.page
    login(page, live_server.url, "coordinator", PASSWORD)

    # 1. Opening: date, time and place typed; the chair is the principal; all present.
    page.goto(f"{base}/apertura/")
    assert_accessible(page)
    page.fill("#data", session.term.end_date.isoformat())
    page.fill("#inizio", "15:00")
    page.select_option("#segretario", str(staff(c.teacher).pk))
    page.locator("#luogo").focus()
    page.keyboard.type("Aula magna")
    submit_with_enter(page, "#luogo")
    saved(page)
    assert page.locator("[data-testid=council-complete]").count() == 1

    # 2. Attendance: the hours read from the register.
    at_step(session, Step.ATTENDANCE)
    page.goto(f"{base}/frequenza/")
    press_button(page, "Leggi le ore dal registro e salva le decisioni")
    saved(page)
    assert StudentResult.objects.filter(session=session).count() == 3
    assert_accessible(page)

    # 3. Marks: the proposals are there; one is changed by keyboard.
    at_step(session, Step.MARKS)
    page.goto(f"{base}/voti/")
    assert_accessible(page)
    cell = f"#m-{c.child.pk}-{c.maths.pk}"
    assert page.input_value(cell) == "7"
    page.locator(cell).focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("8")
    submit_with_enter(page, cell)
    saved(page)
    assert "proposta: 7" in page.inner_text("[data-testid=marks-grid]")
    assert SubjectMark.objects.filter(session=session, final_mark__isnull=False).count() == 6
    assert "all'unanimità" in page.inner_text("[data-testid=council-votes]")
    assert_accessible(page)  # the votes' panel too

    phone.page.context.add_cookies(page.context.cookies())
    phone.page.goto(f"{base}/voti/")
    assert_accessible(phone.page)
    assert_fits_the_screen(phone.page)

    # 4. Behaviour with its reason, 5. civics (the proposals' step gave none: typed).
    at_step(session, Step.BEHAVIOUR)
    page.goto(f"{base}/condotta/")
    for student in students(c):
        page.fill(f"#voto-{student.pk}", "9")
        page.fill(f"#motivo-{student.pk}", "Partecipe e corretto")
    press_button(page, "Salva il comportamento")
    saved(page)
    assert_accessible(page)
    at_step(session, Step.CIVICS)
    page.goto(f"{base}/educazione-civica/")
    for student in students(c):
        page.fill(f"#voto-{student.pk}", "8")
    press_button(page, "Salva l'educazione civica")
    saved(page)
    assert_accessible(page)

    # 6. Outcomes: the suggestion of the rules (admitted) confirmed.
    at_step(session, Step.OUTCOMES)
    page.goto(f"{base}/esiti/")
    assert page.input_value(f"#esito-{c.child.pk}") == "ammesso"
    assert_accessible(page)
    press_button(page, "Salva gli esiti")
    saved(page)

    # 7. Credits: the band's lower point prefilled (M = 8: band 9–10).
    at_step(session, Step.CREDITS)
    page.goto(f"{base}/crediti/")
    assert page.input_value(f"#credito-{c.child.pk}") == "9"
    assert_accessible(page)
    press_button(page, "Salva i crediti")
    saved(page)
    assert StudentResult.objects.get(session=session, student=c.child).credit == 9

    # 8. Minutes: the closing time, then the documents.
    at_step(session, Step.MINUTES)
    page.goto(f"{base}/verbale/")
    page.fill("#verbale", "12")
    page.fill("#fine", "17:30")
    press_button(page, "Registra la chiusura della seduta")
    saved(page)
    press_button(page, "Genera i documenti")
    saved(page)
    assert SessionDocument.objects.filter(session=session, kind="verbale").exists()
    assert page.locator("[data-testid=documents] a").count() >= 3
    assert_accessible(page)
    assert desktop.errors == []
    assert phone.errors == []
