"""Italian where Django or a count would otherwise speak English or bad Italian (issue 11: 7).

The password rules under the field they speak about, plural forms, the error pages (404, 403,
500, refused form) in the site's look, the demo without Django's debug pages, the API docs'
language. tests/test_no_english.py walks every page for English words.
"""

from __future__ import annotations

import re
import runpy
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation.trans_real import DjangoTranslation
from django.views.defaults import server_error

import campanella.settings as production_settings
from campanella.accounts.tokens import recovery_tokens
from campanella.grades.models import Grade
from campanella.register.views import roll_call_saved_message
from tests.conftest import PASSWORD, Cast, school_day

pytestmark = pytest.mark.django_db


def errors_of(html: str, field: str) -> str:
    """The error text shown for one field of _field.html ('' when it has none)."""
    found = re.search(rf'id="id_{field}_error"[^>]*>(.*?)</div>', html, re.S)
    return re.sub(r"<[^>]+>", " ", found.group(1)) if found else ""


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("corta1", "Questa password è troppo corta: deve contenere almeno 10 caratteri."),
        ("password123", "Questa password è troppo comune."),
        ("3141592653589", "Questa password è interamente numerica."),
    ],
)
def test_password_rules_speak_italian_under_the_new_password(
    cast: Cast, password: str, expected: str
) -> None:
    client = cast.client_for(cast.teacher)
    body = {"old_password": PASSWORD, "new_password1": password, "new_password2": password}
    html = client.post(reverse("accounts:password_change"), body).content.decode()
    assert expected in errors_of(html, "new_password1")
    assert errors_of(html, "new_password2") == ""
    assert "This password" not in html
    # The message is tied to its field: a screen reader reads it on the field itself.
    field = re.search(r'<input[^>]*id="id_new_password1"[^>]*>', html)
    assert field is not None
    described = re.search(r'aria-describedby="([^"]*)"', field.group(0))
    assert described is not None and "id_new_password1_error" in described.group(1).split()
    assert 'aria-invalid="true"' in field.group(0)


def test_a_mismatch_stays_under_the_confirmation(cast: Cast) -> None:
    client = cast.client_for(cast.teacher)
    body = {
        "old_password": PASSWORD,
        "new_password1": "una-nuova-password-lunga",
        "new_password2": "un-altra-password-lunga",
    }
    html = client.post(reverse("accounts:password_change"), body).content.decode()
    assert "I due campi password non corrispondono" in errors_of(html, "new_password2")
    assert errors_of(html, "new_password1") == ""


def test_recovery_form_puts_the_rules_under_the_new_password(cast: Cast) -> None:
    uid = urlsafe_base64_encode(force_bytes(cast.guardian.pk))
    token = recovery_tokens.make_token(cast.guardian)
    client = Client()
    form_page = client.get(reverse("accounts:recover_confirm", args=[uid, token]), follow=True)
    url = form_page.redirect_chain[-1][0]
    html = client.post(url, {"new_password1": "12345", "new_password2": "12345"}).content.decode()
    assert "troppo corta" in errors_of(html, "new_password1")
    assert "interamente numerica" in errors_of(html, "new_password1")
    assert errors_of(html, "new_password2") == ""


@pytest.mark.parametrize(
    ("absent", "expected"),
    [
        (0, "Appello salvato: tutti presenti."),
        (1, "Appello salvato: 1 assente."),
        (3, "Appello salvato: 3 assenti."),
    ],
)
def test_roll_call_message_counts_in_italian(absent: int, expected: str) -> None:
    assert roll_call_saved_message(absent) == expected


def test_one_saved_grade_is_singular(cast: Cast) -> None:
    day = school_day(cast)
    url = reverse("grades:book_save", args=[cast.classroom_1a.pk, cast.maths.pk])
    body = {"date": day.isoformat(), "kind": "orale", "weight": "1", f"voto-{cast.child.pk}": "7"}
    page = cast.client_for(cast.teacher).post(url, body, follow=True).content.decode()
    assert Grade.objects.count() == 1
    assert "1 voto registrato." in page
    assert "1 voti" not in page


def assert_error_page(html: str, title: str) -> None:
    assert '<html lang="it">' in html
    assert "campanella/bootstrap-italia.css" in html  # the site's look
    assert f"<h1>{title}</h1>" in html
    assert "Torna alla pagina iniziale" in html


@pytest.mark.parametrize("who", ["anonymous", "guardian", "office"])
def test_missing_page_is_italian_in_the_site_look(cast: Cast, who: str) -> None:
    client = Client() if who == "anonymous" else cast.client_for(getattr(cast, who))
    response = client.get("/non-esiste/")
    assert response.status_code == 404
    html = response.content.decode()
    assert_error_page(html, "Pagina non trovata")
    assert "Page not found" not in html
    assert "URLconf" not in html  # never the debug page's list of every URL


def test_a_guardian_opening_the_management_site_gets_the_italian_404(cast: Cast) -> None:
    response = cast.client_for(cast.guardian).get("/gestione/")
    assert response.status_code == 404
    assert_error_page(response.content.decode(), "Pagina non trovata")


def test_server_error_page_needs_no_request_context() -> None:
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert_error_page(response.content.decode(), "Si è verificato un errore")


def test_refused_form_gets_the_italian_page(cast: Cast) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    html = response.content.decode()
    assert_error_page(html, "Pagina scaduta")
    assert "CSRF verification failed" not in html


def test_the_demo_shows_no_debug_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMPANELLA_DEMO", "1")
    monkeypatch.delenv("DEBUG", raising=False)
    monkeypatch.delenv("ALLOWED_HOSTS", raising=False)
    demo: dict[str, Any] = runpy.run_path(str(production_settings.__file__))
    assert demo["DEMO"] is True
    assert demo["DEBUG"] is False
    assert demo["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]


def test_api_docs_declare_their_language(client: Client) -> None:
    html = client.get("/api/v1/docs").content.decode()
    assert '<html lang="it">' in html


LOCALE = Path(production_settings.PACKAGE_DIR) / "locale" / "it" / "LC_MESSAGES"


def catalog_entries(po: Path) -> list[tuple[str, str | None, list[str]]]:
    """(msgid, msgid_plural, msgstrs) of a .po file written one line per string."""
    entries = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        msgid = re.search(r'^msgid "(.+)"$', block, re.M)
        if msgid is None:
            continue  # the header
        plural = re.search(r'^msgid_plural "(.+)"$', block, re.M)
        strings = re.findall(r'^msgstr(?:\[\d\])? "(.*)"$', block, re.M)
        unescape = lambda text: text.replace('\\"', '"')  # noqa: E731
        entries.append(
            (unescape(msgid[1]), unescape(plural[1]) if plural else None, [*map(unescape, strings)])
        )
    return entries


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_compiled_catalogs_match_their_sources(domain: str) -> None:
    """The committed .mo files say what the .po files say (recompile with msgfmt after an edit),
    and each entry still replaces an English message of Django."""
    translation = DjangoTranslation("it", domain=domain)
    entries = catalog_entries(LOCALE / f"{domain}.po")
    assert len(entries) >= 7
    for msgid, plural, strings in entries:
        if plural is None:
            assert translation.gettext(msgid) == strings[0]
        else:
            assert translation.ngettext(msgid, plural, 1) == strings[0]
            assert translation.ngettext(msgid, plural, 5) == strings[1]
