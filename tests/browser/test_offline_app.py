"""Issue 16 item 6 in Chromium: the register installs as an app, shows the last pages read when
the network is gone (marked as offline), and keeps nothing for the next user after a logout."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser_support import Watched, assert_accessible, login
from tests.conftest import PASSWORD, Cast, build_cast

CONTROLLED = "navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller)"
KEPT = """
(url) => caches.open('campanella-pages').then(c => c.match(url)).then(r => !!r)
"""
PAGES_KEPT = """
() => caches.has('campanella-pages').then(has => has
  ? caches.open('campanella-pages').then(c => c.keys()).then(k => k.length) : 0)
"""


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    return build_cast()


def controlled_by_the_worker(page: Page) -> None:
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)
    assert page.evaluate(CONTROLLED)


def read_and_kept(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(f"() => ({KEPT.strip()})({url!r})", timeout=10_000)


def banner(page: Page) -> Any:
    return page.locator("[data-offline-banner]")


def test_installable(live_cast: Cast, live_server: Any, phone: Watched) -> None:
    page = phone.page
    login(page, live_server.url, "guardian", PASSWORD)
    controlled_by_the_worker(page)
    session = page.context.new_cdp_session(page)
    manifest = session.send("Page.getAppManifest")
    assert manifest.get("errors") == [], manifest.get("errors")
    errors = session.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # Playwright's contexts are incognito, where no site installs: every other check passed.
    assert [e["errorId"] for e in errors] == ["in-incognito"], errors


def test_offline_copy_for_its_owner_only(live_cast: Cast, live_server: Any, phone: Watched) -> None:
    base, cast, page = live_server.url, live_cast, phone.page
    grades = f"{base}/voti/alunno/{cast.child.pk}/"
    login(page, base, "guardian", PASSWORD)
    controlled_by_the_worker(page)
    read_and_kept(page, f"{base}/")
    read_and_kept(page, grades)
    assert not banner(page).is_visible()  # online: the banner stays hidden

    page.context.set_offline(True)
    page.reload()
    assert page.locator("h1").inner_text() == f"Voti di {cast.child.name}"
    assert banner(page).is_visible()
    assert "Sei offline" in banner(page).inner_text()
    assert page.locator("[data-offline-when]").inner_text().strip() != ""
    assert_accessible(page)
    # A page never read: said so, with the pages that can be read.
    page.goto(f"{base}/registro/alunno/{cast.child.pk}/")
    assert page.locator("h1").inner_text() == "Sei offline"
    saved = page.locator("main li a").all_inner_texts()
    assert any(f"Voti di {cast.child.name}" in title for title in saved), saved
    with page.expect_navigation():
        page.get_by_role("link", name=f"Voti di {cast.child.name}", exact=False).first.click()
    assert banner(page).is_visible()

    # Back online, the guardian logs out: nothing of theirs is left on the phone.
    page.context.set_offline(False)
    page.goto(grades)
    assert not banner(page).is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Esci").click()
    page.wait_for_url("**/accedi/")
    page.wait_for_function(f"() => ({PAGES_KEPT.strip()})().then(n => n === 0)", timeout=10_000)
    page.context.set_offline(True)
    page.goto(grades)
    assert page.locator("h1").inner_text() == "Sei offline"
    text = page.locator("main").inner_text()
    assert "Nessuna pagina salvata" in text
    assert cast.child.name not in text


def test_the_next_user_never_sees_the_previous_ones_copies(
    live_cast: Cast, live_server: Any, desktop: Watched
) -> None:
    """Without a logout: the session ends on the server (the guardian changed the password
    elsewhere), then the teacher logs in on the same browser."""
    base, cast, page = live_server.url, live_cast, desktop.page
    grades = f"{base}/voti/alunno/{cast.child.pk}/"
    login(page, base, "guardian", PASSWORD)
    controlled_by_the_worker(page)
    read_and_kept(page, grades)
    page.context.clear_cookies()  # the session is gone; the copies are still there
    assert page.evaluate(PAGES_KEPT) >= 1
    login(page, base, "teacher", PASSWORD)
    read_and_kept(page, f"{base}/")
    page.context.set_offline(True)
    page.goto(grades)
    assert page.locator("h1").inner_text() == "Sei offline"
    assert cast.child.name not in page.locator("main").inner_text()
