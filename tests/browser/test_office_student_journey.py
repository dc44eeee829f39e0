"""The office records a student leaving, in Chromium: the effect on access is shown before
confirming, the history keeps it, and on the institute's date the guardian loses that child
(and keeps the other). Every page passes axe-core on a desktop and on a 375 px phone."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from campanella.people.access import revoke_leavers
from campanella.people.models import Enrollment, ExitReason
from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.conftest import PASSWORD, Cast, build_cast, guardian_of


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    return build_cast()


def check(watched: Watched) -> None:
    assert_accessible(watched.page)
    assert_fits_the_screen(watched.page)


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_the_office_records_a_leaving_and_the_guardian_loses_the_child_on_the_date(
    live_cast: Cast, live_server: Any, screen: str, request: pytest.FixtureRequest
) -> None:
    watched: Watched = request.getfixturevalue(screen)
    page = watched.page
    cast = live_cast
    year = cast.classroom_1a.school_year
    day = year.start_date + datetime.timedelta(days=60)
    ends = cast.institute.access_end_after(year)

    login(page, live_server.url, cast.office.username, PASSWORD)
    page.goto(f"{live_server.url}/alunni/{cast.child.pk}/")
    page.get_by_role("link", name="Iscrizione e genitori").click()
    page.wait_for_url(f"**/segreteria/alunni/{cast.child.pk}/")
    check(watched)

    page.get_by_role("link", name="Ritiro", exact=True).click()
    check(watched)
    page.get_by_label("Data di uscita").fill(day.isoformat())
    page.get_by_label("Note").fill("Ritiro per trasferimento all'estero")
    page.get_by_role("button", name="Continua").click()
    effect = page.get_by_test_id("effect")
    guardian = guardian_of(cast.child).full_name
    assert f"Dal {ends:%d/%m/%Y}" in effect.inner_text()
    assert guardian in effect.inner_text()
    check(watched)
    assert Enrollment.objects.get(student=cast.child).exit_date is None  # not before confirming

    page.get_by_role("button", name="Conferma").click()
    page.wait_for_url(f"**/segreteria/alunni/{cast.child.pk}/")
    assert "Ritiro registrato" in page.inner_text("body")
    assert (
        "Ritiro per trasferimento all'estero" in page.get_by_test_id("office-history").inner_text()
    )
    check(watched)
    enrollment = Enrollment.objects.get(student=cast.child)
    assert (enrollment.exit_date, enrollment.exit_reason) == (day, ExitReason.WITHDRAWAL)
    assert watched.errors == []

    # The nightly revocation, run on the institute's date (time travel by its date argument).
    page.context.clear_cookies()
    revoke_leavers(ends - datetime.timedelta(days=1))
    login(page, live_server.url, cast.guardian.username, PASSWORD)
    assert page.goto(f"{live_server.url}/alunni/{cast.child.pk}/").status == 200  # type: ignore[union-attr]
    revoke_leavers(ends)
    assert page.goto(f"{live_server.url}/alunni/{cast.child.pk}/").status == 404  # type: ignore[union-attr]
    check(watched)  # the Italian "not found" page
    page.goto(f"{live_server.url}/")
    home = page.get_by_test_id("guardian-home").inner_text()
    assert cast.sibling.name in home and cast.child.name not in home


def test_the_other_office_pages_are_accessible_on_a_phone(
    live_cast: Cast, live_server: Any, phone: Watched
) -> None:
    cast = live_cast
    page = phone.page
    link = cast.other_child.guardianships.get()
    login(page, live_server.url, cast.office.username, PASSWORD)
    base = f"{live_server.url}/segreteria/alunni"
    for path in (
        f"{cast.child.pk}/trasferimento/",
        f"{cast.child.pk}/cambio-classe/",
        f"{cast.child.pk}/genitori/aggiungi/",
        f"{cast.other_child.pk}/genitori/{link.pk}/scollega/",
    ):
        page.goto(f"{base}/{path}")
        check(phone)
    page.get_by_role("button", name="Continua").click()  # the removal's effect
    assert "non vedrà più" in page.get_by_test_id("effect").inner_text()
    check(phone)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Calendario scolastico").click()
    page.wait_for_url("**/segreteria/calendario/")  # axe on the new page, not mid-navigation
    check(phone)
    day = cast.classroom_1a.school_year.lessons_end.isoformat()
    page.get_by_label("Dal giorno", exact=True).fill(day)
    page.get_by_label("Al giorno", exact=True).fill(day)
    page.get_by_label("Descrizione").fill("Ponte del 2 giugno")
    page.get_by_role("button", name="Aggiungi la chiusura").click()
    assert "Ponte del 2 giugno" in page.get_by_test_id("closures").inner_text()
    check(phone)
    assert phone.errors == []
