"""Real browser: Playwright drives Debian's Chromium (no Playwright browser download here).

The fixtures are registered for the whole suite by tests/conftest.py, so any app's tests can
take `phone` or `desktop`; one Playwright per test process serves them all.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# WCAG 2.1 A and AA, as the brief asks; best practices are reported too.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    }
}


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail(
            "Chromium non trovato: installare il pacchetto Debian 'chromium' (make setup lo fa)."
        )
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # Playwright's sync API runs its own event loop; Django must allow ORM calls beside it.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A page that records console errors (CSP violations show up there) and failed requests."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on(
            "console",
            lambda message: self.errors.append(message.text) if message.type == "error" else None,
        )
        page.on("pageerror", lambda error: self.errors.append(str(error)))


@pytest.fixture
def phone(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, locale="it-IT", is_mobile=True, has_touch=True
    )
    yield Watched(context.new_page())
    context.close()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    yield Watched(context.new_page())
    context.close()


_axe = Axe()


DUPLICATE_IDS = """
() => {
  const seen = new Map();
  for (const el of document.querySelectorAll('[id]')) seen.set(el.id, (seen.get(el.id) || 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
}
"""


def assert_accessible(page: Page) -> None:
    results = _axe.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()
    # axe 4 no longer reports duplicate ids, but a label must point to exactly one field.
    duplicates = page.evaluate(DUPLICATE_IDS)
    assert duplicates == [], f"id duplicati: {duplicates}"


def assert_fits_the_screen(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"la pagina scorre in orizzontale di {overflow}px"
    # The header must not cover the page (bootstrap-italia floats its navbar on small screens).
    covered = page.evaluate(
        "document.querySelector('h1').getBoundingClientRect().top"
        " < document.querySelector('header').getBoundingClientRect().bottom"
    )
    assert not covered, "l'intestazione copre il titolo della pagina"
    # Controls clipped by an overflow:hidden header do not show up in scrollWidth.
    clipped = page.evaluate(
        "[...document.querySelectorAll('header a, header button, header select')]"
        ".filter(el => el.offsetParent !== null)"
        ".filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)"
        ".map(el => el.textContent.trim() || el.id)"
    )
    assert clipped == [], f"comandi fuori dallo schermo: {clipped}"


def login(page: Page, base_url: str, username: str, password: str) -> None:
    """By keyboard: type the username, Tab to the password, Enter submits."""
    page.goto(f"{base_url}/accedi/")
    page.locator("#id_username").focus()  # autofocus itself is checked in test_journeys
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/")
