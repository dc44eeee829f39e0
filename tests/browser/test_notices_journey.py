"""Issue 14 item 1 in Chromium: the office writes a notice to 1ª A's families asking their
consent for a trip (per child, with a deadline); the guardian, on a 375 px phone, sees the
unread count in the header and the notice on the home, opens it (the count drops), agrees by
keyboard; the office's tracking shows the answer under 1ª A. Every page axe-clean."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from campanella.comms.notices.models import Notice, NoticeConsent
from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.conftest import PASSWORD, Cast, build_cast


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    return build_cast()


def tick(page: Any, selector: str) -> None:
    """bootstrap-italia's label covers the box: by keyboard."""
    page.locator(selector).focus()
    page.keyboard.press("Space")
    assert page.locator(selector).is_checked()


def test_office_asks_consent_guardian_agrees_office_sees_it(
    live_cast: Cast, live_server: Any, desktop: Watched, phone: Watched
) -> None:
    base, cast, office, family = live_server.url, live_cast, desktop.page, phone.page
    login(office, base, "office", PASSWORD)
    office.goto(f"{base}/comunicazioni/")
    assert_accessible(office)
    with office.expect_navigation():
        office.get_by_test_id("new-notice").click()
    assert_accessible(office)
    office.fill("#oggetto", "Uscita didattica al museo")
    office.fill("#testo", "Venerdì la classe visita il museo di scienze.")
    tick(office, "#ambito-classi")
    tick(office, "#ruolo-famiglie")
    tick(office, f"#classe-{cast.classroom_1a.pk}")
    tick(office, "#adesione")
    tick(office, "#per_figlio")
    office.fill("#domanda", "Autorizzate la partecipazione?")
    deadline = timezone.localdate() + datetime.timedelta(days=3)
    office.fill("#termine_data", deadline.isoformat())
    office.fill("#termine_ora", "12:00")
    with office.expect_navigation():
        office.get_by_test_id("publish").click()
    assert "pubblicata" in office.content()
    notice = Notice.objects.get()
    assert notice.asks_consent and notice.consent_per_child
    assert_accessible(office)

    # The guardian on the phone: the count in the header, the notice on the home.
    login(family, base, "guardian", PASSWORD)
    badge = family.get_by_test_id("unread-notices")
    assert "1" in badge.inner_text()
    assert "Uscita didattica al museo" in family.get_by_test_id("home-notices").inner_text()
    assert_accessible(family)
    assert_fits_the_screen(family)
    with family.expect_navigation():
        family.get_by_test_id("home-notices").get_by_role("link", name="Uscita didattica").click()
    assert_accessible(family)
    assert_fits_the_screen(family)
    assert "1" not in family.get_by_test_id("unread-notices").inner_text()
    suffix = cast.child.pk
    family.locator(f"#si-{suffix}").focus()
    family.keyboard.press("Space")
    family.get_by_test_id(f"consent-submit-{suffix}").focus()
    with family.expect_navigation():
        family.keyboard.press("Enter")
    assert "Risposta registrata" in family.content()
    assert "aderisce" in family.get_by_test_id(f"answer-{suffix}").inner_text()
    assert_accessible(family)
    assert_fits_the_screen(family)
    assert NoticeConsent.objects.get().student == cast.child

    # The office's tracking shows the answer under 1ª A.
    office.goto(f"{base}/comunicazioni/{notice.pk}/situazione/")
    line = office.get_by_test_id("line-guardian")
    assert "aderisce" in line.inner_text() and cast.child.surname in line.inner_text()
    assert "non letta" in office.get_by_test_id("line-other_guardian").inner_text()
    assert_accessible(office)
    assert desktop.errors == [] and phone.errors == []


def test_office_pages_fit_the_phone(live_cast: Cast, live_server: Any, phone: Watched) -> None:
    """The writing form, the sent list and the tracking at 375 px, axe-clean."""
    from tests.comms.support import trip

    base, cast, page = live_server.url, live_cast, phone.page
    notice = trip(cast)
    login(page, base, "office", PASSWORD)
    for path in (
        "/comunicazioni/",
        "/comunicazioni/nuova/",
        "/comunicazioni/inviate/",
        f"/comunicazioni/{notice.pk}/situazione/",
        f"/comunicazioni/{notice.pk}/",
    ):
        page.goto(f"{base}{path}")
        assert_accessible(page)
        assert_fits_the_screen(page)
    assert phone.errors == []


def test_office_withdraws_by_keyboard_and_the_family_sees_why(
    live_cast: Cast, live_server: Any, desktop: Watched, phone: Watched
) -> None:
    """The office opens "Annulla la comunicazione" on the tracking page, gives the reason and
    sends it with the keyboard; the guardian's list and the notice say it is withdrawn, why,
    and ask no answer any more. Both pages axe-clean, the family's at 375 px."""
    from tests.comms.support import trip

    base, cast, office, family = live_server.url, live_cast, desktop.page, phone.page
    notice = trip(cast)
    login(office, base, "office", PASSWORD)
    office.goto(f"{base}/comunicazioni/{notice.pk}/situazione/")
    office.get_by_test_id("withdraw").locator("summary").focus()
    office.keyboard.press("Enter")
    office.fill("#motivo", "La visita è rinviata a data da destinarsi")
    assert_accessible(office)
    office.locator("#motivo").focus()
    office.keyboard.press("Tab")
    with office.expect_navigation():
        office.keyboard.press("Enter")
    assert "Comunicazione annullata." in office.content()
    assert office.get_by_test_id("remind").count() == 0
    assert_accessible(office)
    assert Notice.objects.get(pk=notice.pk).withdrawal_reason.startswith("La visita")

    login(family, base, "guardian", PASSWORD)
    family.goto(f"{base}/comunicazioni/")
    assert "annullata" in family.content()
    with family.expect_navigation():
        family.get_by_role("link", name="Uscita didattica al museo").click()
    banner = family.get_by_test_id("withdrawn").inner_text()
    assert "annullata" in banner and "rinviata a data da destinarsi" in banner
    assert family.get_by_test_id("consent").count() == 0
    assert_accessible(family)
    assert_fits_the_screen(family)
    assert desktop.errors == [] and phone.errors == []
