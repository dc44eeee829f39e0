"""Issue 12, items 2 and 6: the office opens 1A's final scrutinio; the coordinator walks it
through the steps by keyboard (one step back on the way), confirms the lock; the principal
reopens it from a phone with a reason, and the session's history tells it all. Every page
passes axe."""

from __future__ import annotations

from typing import Any

import pytest

from campanella.evaluation.models import EvaluationSession, Step
from campanella.school.models import ClosedPeriod
from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.conftest import PASSWORD, Cast, build_cast
from tests.evaluation.session_helpers import own_checks  # noqa: F401 - a fixture

pytestmark = pytest.mark.usefixtures("own_checks")


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    return build_cast()


def press(page: Any, name: str) -> None:
    """A button or link by its name, by keyboard: focus, then Enter."""
    control = page.get_by_role("button", name=name).or_(page.get_by_role("link", name=name))
    control.first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def current_step(page: Any) -> str:
    return str(page.locator('[aria-current="step"]').get_attribute("data-step"))


def test_the_stepper_from_the_first_step_to_the_lock_and_the_reopening(
    live_cast: Cast, live_server: Any, desktop: Watched, phone: Watched
) -> None:
    cast = live_cast
    base = live_server.url
    page = desktop.page

    login(page, base, "office", PASSWORD)
    page.goto(f"{base}/scrutini/")
    assert_accessible(page)
    page.select_option("#periodo", index=1)
    page.select_option("#tipo", "finale")
    page.locator("label[for=classi-scelte]").click()
    page.locator(f"label[for=classe-{cast.classroom_1a.pk}]").click()
    press(page, "Apri gli scrutini")
    assert "Aperto 1 scrutinio." in page.locator("main").inner_text()
    session = EvaluationSession.objects.get(classroom=cast.classroom_1a)
    assert page.get_by_test_id(f"session-{session.pk}").count() == 1
    assert_accessible(page)
    page.context.clear_cookies()

    login(page, base, "coordinator", PASSWORD)
    page.get_by_role("link", name="Scrutini").click()
    page.get_by_role("link", name="1ª A").click()
    page.wait_for_url(f"{base}/scrutini/{session.pk}/")
    assert current_step(page) == "proposte"
    assert_accessible(page)
    walked = []
    while page.get_by_role("button", name="Passa alla fase").count():
        press(page, page.get_by_role("button", name="Passa alla fase").inner_text())
        walked.append(current_step(page))
        if walked == ["apertura", "frequenza"]:
            press(page, "Torna alla fase «apertura della seduta»")
            assert "quanto registrato resta" in page.locator("main").inner_text()
            walked.append(current_step(page))
    assert walked == ["apertura", "frequenza", "apertura", "frequenza", "voti", "condotta",
                      "educazione_civica", "esiti", "verbale"]  # fmt: skip
    assert_accessible(page)
    press(page, "Chiudi lo scrutinio…")
    frozen = page.get_by_test_id("frozen").inner_text()
    assert "della classe 1ª A dal" in frozen
    assert_accessible(page)
    press(page, "Conferma la chiusura")
    assert "Scrutinio chiuso." in page.locator("main").inner_text()
    assert "Chiuso" in page.get_by_test_id("lock-state").inner_text()
    assert page.get_by_role("button", name="Riapri lo scrutinio").count() == 0
    assert ClosedPeriod.objects.filter(classroom=cast.classroom_1a).count() == 1
    assert_accessible(page)
    assert desktop.errors == []

    small = phone.page
    login(small, base, "principal", PASSWORD)
    small.goto(f"{base}/scrutini/{session.pk}/")
    assert_accessible(small)
    assert_fits_the_screen(small)
    small.locator("#motivo").focus()
    small.keyboard.type("Voto di condotta da rivedere")
    press(small, "Riapri lo scrutinio")
    text = small.locator("main").inner_text()
    assert "Scrutinio riaperto (versione 2)" in text
    assert current_step(small) == "verbale"
    history = " ".join(small.get_by_test_id("session-history").inner_text().split())
    assert "Riapertura · Scrutinio" in history and "Motivo: Voto di condotta da rivedere" in history
    assert (
        "Chiusura · Scrutinio" in history and "Ritorno alla fase «apertura della seduta»" in history
    )
    assert_accessible(small)
    assert_fits_the_screen(small)
    assert not ClosedPeriod.objects.exists()
    assert EvaluationSession.objects.get(pk=session.pk).step == Step.MINUTES
    assert phone.errors == []
