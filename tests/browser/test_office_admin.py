"""The office's admin (/gestione/) in the site's look, axe-clean on desktop and on a phone
(issue 11: 8): lists, search, forms with select2 autocomplete fields (teaching assignments,
guardians), a form sent empty, a deletion page; Italian words shown as typed."""

from __future__ import annotations

from typing import Any

import pytest

from campanella.school.models import Closure, Teaching
from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.conftest import PASSWORD, Cast, build_cast

pytestmark = pytest.mark.browser


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    return build_cast()


def pages(cast: Cast) -> list[str]:
    teaching = Teaching.objects.filter(classroom=cast.classroom_1a).first()
    assert teaching is not None
    closure = Closure.objects.create(
        institute=cast.institute,
        description="Ponte dell'Immacolata",
        start_date=cast.classroom_1a.school_year.start_date,
        end_date=cast.classroom_1a.school_year.start_date,
    )
    return [
        "/gestione/",
        "/gestione/school/",
        "/gestione/school/teaching/",
        "/gestione/school/teaching/add/",
        f"/gestione/school/teaching/{teaching.pk}/change/",
        "/gestione/school/classroom/",
        f"/gestione/school/classroom/{cast.classroom_1a.pk}/change/",
        "/gestione/people/student/?q=a",
        f"/gestione/people/student/{cast.child.pk}/change/",
        f"/gestione/school/closure/{closure.pk}/delete/",
    ]


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_admin_pages_are_accessible_in_the_site_look(
    live_cast: Cast, live_server: Any, screen: str, request: pytest.FixtureRequest
) -> None:
    watched: Watched = request.getfixturevalue(screen)
    page = watched.page
    login(page, live_server.url, "office", PASSWORD)
    for path in pages(live_cast):
        page.goto(live_server.url + path)
        assert_accessible(page)
        if screen == "phone":
            assert_fits_the_screen(page)
    # The site's header colour and font, not Django's.
    header = page.locator("#header")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(0, 102, 204)"
    assert "Titillium Web" in page.evaluate("getComputedStyle(document.body).fontFamily")
    # A form sent empty shows its errors, still accessible.
    page.goto(live_server.url + "/gestione/school/subject/add/")
    page.get_by_role("button", name="Salva", exact=True).click()
    page.wait_for_selector(".errornote")
    assert_accessible(page)
    # Django's admin and select2 set a few inline style attributes, which the CSP blocks (the
    # widths of select2 boxes; harmless): any other console error fails.
    assert [error for error in watched.errors if "Applying inline style" not in error] == []


def test_user_tools_read_as_typed_and_lead_to_the_site(
    live_cast: Cast, live_server: Any, desktop: Watched
) -> None:
    page = desktop.page
    login(page, live_server.url, "office", PASSWORD)
    page.goto(live_server.url + "/gestione/")
    logout = page.locator("#logout-form button")
    assert logout.inner_text() == "Esci"  # Django's stock "ANNULLA L'ACCESSO" was upper-cased
    for selector in ("#logout-form button", ".module caption", "#user-tools"):
        transform = page.locator(selector).first.evaluate("e => getComputedStyle(e).textTransform")
        assert transform == "none", selector
    crumb = page.goto(live_server.url + "/gestione/school/teaching/")
    assert crumb is not None
    underline = page.locator("div.breadcrumbs a").first.evaluate(
        "e => getComputedStyle(e).textDecorationLine"
    )
    assert underline == "underline"
    logout.count()
    page.locator("#logout-form button").click()
    page.wait_for_url("**/accedi/")


def test_autocomplete_fields_are_named_by_their_label(
    live_cast: Cast, live_server: Any, desktop: Watched
) -> None:
    page = desktop.page
    login(page, live_server.url, "office", PASSWORD)
    page.goto(live_server.url + "/gestione/school/teaching/add/")
    combobox = page.get_by_role("combobox", name="Docente")
    assert combobox.count() == 1
    combobox.click()
    page.keyboard.type("Doc")
    page.wait_for_selector(".select2-results__option--highlighted")
    page.keyboard.press("Enter")
    name = combobox.get_attribute("aria-labelledby") or ""
    assert len(name.split()) == 2  # the label, then the chosen teacher
    assert page.get_by_role("combobox", name="Docente").count() == 1
    assert_accessible(page)
