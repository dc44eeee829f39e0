"""Issue 16, items 1–2, in a real browser through a real OpenID provider (oidc-provider, run by
tests/oidc/provider.py): "Entra con SPID" → the provider's login → back as the guardian with
both children in the switcher, logging out at the provider too; the same for a teacher; an
unknown codice fiscale gets a clear page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page

from campanella.accounts.models import GatewayKind, IdentityGateway
from campanella.accounts.oidc.gateways import gateway_save
from campanella.people.models import Guardian, Staff
from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen
from tests.conftest import Cast, build_cast
from tests.oidc.provider import SECRET, RunningProvider, a_codice_fiscale, running_provider

pytestmark = pytest.mark.browser
GUARDIAN_CF = a_codice_fiscale("RSSPLA80A41H501")
TEACHER_CF = a_codice_fiscale("BNCMRC75C12F205")


@pytest.fixture(scope="module")
def provider(live_server: Any) -> Iterator[RunningProvider]:
    with running_provider([live_server.url]) as running:
        yield running


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any, provider: RunningProvider) -> Cast:
    cast = build_cast()
    Guardian.objects.filter(user=cast.guardian).update(codice_fiscale=GUARDIAN_CF)
    Staff.objects.filter(user=cast.teacher).update(codice_fiscale=TEACHER_CF)
    gateway = IdentityGateway(
        institute=cast.institute,
        kind=GatewayKind.SPID,
        name="Gateway di prova",
        issuer=provider.issuer,
        client_id="campanella",
    )
    gateway_save(actor=cast.office, gateway=gateway, client_secret=SECRET)
    return cast


def sign_in_with_spid(page: Page, base: str, codice_fiscale: str) -> None:
    page.goto(f"{base}/accedi/")
    page.get_by_role("link", name="Entra con SPID").click()
    page.locator("input[name=login]").fill(codice_fiscale)  # the provider's own login form
    page.locator("input[name=password]").fill("password-del-provider")
    page.locator("button[type=submit]").click()


def test_guardian_enters_with_spid_and_sees_both_children(
    live_cast: Cast, live_server: Any, phone: Watched
) -> None:
    page, base = phone.page, live_server.url
    page.goto(f"{base}/accedi/")
    button = page.get_by_role("link", name="Entra con SPID")
    assert button.is_visible()
    assert button.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(0, 102, 204)"
    assert_accessible(page)
    assert_fits_the_screen(page)
    assert phone.errors == []  # the button's icon and styles break no CSP rule

    sign_in_with_spid(page, base, GUARDIAN_CF)
    page.wait_for_url(f"{base}/")
    phone.errors.clear()  # the provider's own pages ask for web fonts this machine cannot reach
    options = page.locator("#child-select option").all_inner_texts()
    assert len(options) == 2, options
    assert live_cast.child.name in options[0] + options[1]
    assert live_cast.sibling.name in options[0] + options[1]
    assert_accessible(page)
    assert phone.errors == []

    # Logging out ends the session here and sends to the provider, which ends its own.
    page.get_by_role("button", name="Esci").click()
    page.wait_for_url(f"{gateway_of(live_cast).issuer}/session/end**")
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{base}/accedi/")
    page.goto(f"{base}/")
    page.wait_for_url(f"{base}/accedi/**")


def gateway_of(cast: Cast) -> IdentityGateway:
    return IdentityGateway.objects.get(institute=cast.institute)


def test_teacher_enters_with_spid(live_cast: Cast, live_server: Any, desktop: Watched) -> None:
    page, base = desktop.page, live_server.url
    sign_in_with_spid(page, base, TEACHER_CF)
    page.wait_for_url(f"{base}/")
    assert page.locator("#child-select").count() == 0
    assert page.get_by_test_id("user-name").inner_text() == "teacher"


def test_unknown_codice_fiscale_gets_a_clear_page(
    live_cast: Cast, live_server: Any, phone: Watched
) -> None:
    page, base = phone.page, live_server.url
    sign_in_with_spid(page, base, a_codice_fiscale("VRDGPP70B01L219"))
    page.wait_for_url(f"{base}/accedi/spid/ritorno/**")
    assert page.get_by_role("heading", name="Nessun accesso con questo codice fiscale").is_visible()
    assert_accessible(page)
    assert_fits_the_screen(page)
    page.get_by_role("link", name="Torna alla pagina di accesso").click()
    page.wait_for_url(f"{base}/accedi/")
