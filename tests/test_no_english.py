"""No English in what a user can read (issue 11: 7 and 8).

Every page of the route tables, as each role of the cast (office, principal, coordinator,
teacher, guardian, student, adult student, anonymous); every write of PAGE_WRITES as its
rightful user, and again with an empty body (the required-field errors); the password rules;
a refused form (CSRF); the error pages; the office's admin (lists, forms, empty forms, history,
deletion, search). The visible text (and the labels a screen reader reads) is checked against
a list of English UI words and phrases: extend ENGLISH_WORDS / ENGLISH_PHRASES when a new one
slips through, and ALLOWED for the English words Italian uses as its own.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Model
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from campanella.demo.generator import generate
from campanella.demo.grade_history import TOPICS as GRADE_TOPICS
from campanella.demo.logins import demo_logins
from campanella.demo.register_history import TOPICS as LESSON_TOPICS
from campanella.people.admin import office_admin
from campanella.people.models import User
from tests.conftest import PASSWORD, Cast
from tests.routes import posted
from tests.test_every_route_refuses_outsiders import PAGES
from tests.test_outsiders_cannot_write import PAGE_WRITES, shared_handler

pytestmark = pytest.mark.django_db

# Common English words of user interfaces and of Django's own messages, matched as whole words
# in any case. Words Italian shares or borrows (in, no, a, date, ago, server, email, password,
# file, home…) are not here; neither are the cast's usernames (office, teacher, guardian…),
# shown in the header.
ENGLISH_WORDS = frozenset(
    """
    the and of to is are this that these those with without you your yours for from not be
    been has have had was were will would must should can could may might please thank thanks
    add added adding another change changed changes delete deleted remove removed save saved
    cancel search filter filters select selected choose chosen edit view site log logout
    history actions action submit back close show hide clear more less all none any yes
    enter valid invalid required field fields character characters too short long common
    numeric entirely similar error errors page found forbidden request bad sorry
    today now yesterday tomorrow time hour hours day days week month year name first last
    next previous user users group groups permissions permission active status welcome
    documentation by at on or if an which what when where who how why there here only also
    than then into out up down over under again left right sure confirm confirmation
    number address new old other same following item items object objects results
    result loading searching try later above below list lists empty summary recent
    """.split()  # noqa: SIM905 - a list of words reads better as words
)
# Whole phrases, for messages whose words alone could be Italian.
ENGLISH_PHRASES = (
    "This field",
    "Enter a valid",
    "is too short",
    "Page not found",
    "Server Error",
    "Bad Request",
    "Log out",
    "Log in",
    "Add another",
    "Are you sure",
    "Please correct",
    "Select all",
    "No results",
    "View site",
)
# English words that Italian uses as its own, or that Django's Italian catalog keeps.
ALLOWED = frozenset({"home", "file", "password", "link", "online", "pdf", "csv", "xlsx", "api"})

# Not words: e-mail addresses, addresses of pages, usernames and ids like G123456X, and file
# names (a standard's `users.csv` is a name).
NOT_WORDS = re.compile(
    r"\S+@\S+|https?://\S+|/\S*|\b\w*\d\w*\b|\b\w+_\w+\b|\b\w+\.(?:csv|zip|xlsx|pdf)\b"
)
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


class VisibleText(HTMLParser):
    """The text a user reads or hears: element text (no scripts, styles or templates) and the
    attributes shown or read aloud."""

    HIDDEN = frozenset({"script", "style", "template", "noscript"})
    READ = ("title", "alt", "placeholder", "aria-label", "data-placeholder")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden_depth += 1
        named = dict(attrs)
        self.parts.extend(value for key, value in attrs if key in self.READ and value)
        if tag == "input" and named.get("type") in {"submit", "button", "reset"}:
            self.parts.append(named.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden_depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def english_in(text: str) -> list[str]:
    text = NOT_WORDS.sub(" ", text)
    found = [phrase for phrase in ENGLISH_PHRASES if phrase.lower() in text.lower()]
    for word in WORD.findall(text):
        lowered = word.lower()
        if lowered in ENGLISH_WORDS and lowered not in ALLOWED:
            found.append(word)
    return found


# What teachers type is theirs, not the interface: the demo's English lessons have English topics.
TYPED_IN_THE_DEMO = sorted(
    {topic for topics in [*GRADE_TOPICS.values(), *LESSON_TOPICS.values()] for topic in topics},
    key=len,
    reverse=True,
)
# Pages another item of issue 11 is rewriting, skipped until it lands (then delete the entry).
PENDING: dict[str, str] = {}


class Findings:
    """English found, by word, with where (role and URL) it was read."""

    def __init__(self, typed: Iterable[str] = ()) -> None:
        self.where: dict[str, set[str]] = defaultdict(set)
        self.pages = 0
        self.typed = list(typed)

    def read(self, response: HttpResponse, where: str) -> None:
        if not response.get("Content-Type", "").startswith("text/html"):
            return
        if any(response.wsgi_request.path.startswith(page) for page in PENDING):
            return
        self.pages += 1
        html = response.content.decode()
        text = visible_text(html)
        for typed in self.typed:
            text = text.replace(typed, " ")
        for word in english_in(text):
            self.where[word].add(where)
        if "<html" in html and '<html lang="it"' not in html:
            self.where["<html> senza lang=it"].add(where)

    def report(self) -> str:
        return "\n".join(
            f"{word!r}: {', '.join(sorted(places)[:6])}"
            for word, places in sorted(self.where.items())
        )

    def assert_none(self, at_least: int) -> None:
        assert self.pages >= at_least, f"only {self.pages} pages read: the crawl found nothing"
        assert not self.where, "English in the pages:\n" + self.report()


ROLES = ("office", "principal", "coordinator", "teacher", "guardian", "child_user", "adult_user")


def client_for(cast: Cast, role: str | None) -> Client:
    return client_for_user(None if role is None else getattr(cast, role))


def client_for_user(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    client.handler = shared_handler(client)
    return client


def test_the_check_finds_english_and_spares_italian() -> None:
    """The list must catch Django's messages and leave Italian pages (and data) alone."""
    english = (
        "<p>This password is too short. It must contain at least 10 characters.</p>"
        "<input type='submit' value='Save'><a title='Delete'>x</a>"
        "<script>var never = 'the'</script>"
    )
    found = english_in(visible_text(english))
    assert {"is too short", "characters", "Save", "Delete"} <= set(found)
    assert "the" not in found  # scripts are not read
    italian = (
        "<h1>Registro della 1ª A</h1><p>Questa password è troppo corta: deve contenere almeno "
        "10 caratteri. Scrivi a genitore1@example.org, utente G123456X, vai a /gestione/. "
        "Nessun alunno assente: tutti presenti. Home · Voti di Matematica · Esci</p>"
        "<input type='submit' value='Salva'><img alt='Campanella'>"
    )
    assert english_in(visible_text(italian)) == []


@pytest.mark.parametrize("role", [*ROLES, None])
def test_every_page_of_every_role_is_italian(cast: Cast, role: str | None) -> None:
    findings = Findings()
    client = client_for(cast, role)
    for name, (kwargs, _outsider, _anonymous) in sorted(PAGES.items()):
        if kwargs is posted:
            continue
        url = reverse(name, kwargs=kwargs(cast))
        findings.read(client.get(url, follow=True), f"{role or 'anonymous'} {url}")
    findings.assert_none(at_least=len(PAGES) // 2)


def test_every_write_answers_in_italian(cast: Cast) -> None:
    """Each write of PAGE_WRITES as its rightful user (the page it leads to, with its message),
    then sent again with every field empty (the required-field errors). Each write is rolled
    back, so that every one finds the data its builder prepared."""
    findings = Findings()
    for name, build in sorted(PAGE_WRITES.items()):
        with transaction.atomic():
            write = build(cast)
            client = client_for(cast, None)
            if write.rightful is not None:
                client.force_login(write.rightful)
            if write.prepare is not None:
                write.prepare(client)
            for label, body in (
                ("valido", write.body),
                ("vuoto", dict.fromkeys(write.body, "")),
            ):
                for value in body.values():
                    if hasattr(value, "seek"):
                        value.seek(0)
                response = client.post(write.url, body, follow=True)
                findings.read(response, f"{name} {label} {write.url}")
            transaction.set_rollback(True)
    findings.assert_none(at_least=len(PAGE_WRITES))


def demo_logins_by_role() -> dict[str, User]:
    generate(students=24, schools=1, seed=11, history_days=12, grades_per_subject=3)
    return {role: User.objects.get(username=username) for role, username in demo_logins().items()}


SKIPPED_LINKS = re.compile(r"^/(static|api|gestione)/|pdf|esporta|export|xlsx|logout|esci")


def links_of(html: str) -> list[str]:
    return [
        link.split("#")[0]
        for link in re.findall(r'<a\b[^>]*\bhref="([^"]+)"', html)
        if link.startswith("/") and not SKIPPED_LINKS.search(link)
    ]


def test_every_page_reached_by_links_is_italian(db: Any) -> None:
    """A demo institute with a register history and grades, walked by following links from the
    home page as each of its demo logins: the pages as they look with data in them."""
    findings = Findings(typed=TYPED_IN_THE_DEMO)
    for role, user in demo_logins_by_role().items():
        client = client_for_user(user)
        queue, seen, shapes = ["/"], {"/"}, Counter[str]()
        while queue and len(seen) < 150:
            url = queue.pop(0)
            response = client.get(url, follow=True)
            findings.read(response, f"{role} {url}")
            if not response.get("Content-Type", "").startswith("text/html"):
                continue
            for link in links_of(response.content.decode()):
                shape = re.sub(r"\d+", "N", link)
                if link not in seen and shapes[shape] < 3:
                    seen.add(link)
                    shapes[shape] += 1
                    queue.append(link)
    findings.assert_none(at_least=40)


@pytest.mark.parametrize(
    "new_password", ["corta", "password123", "31415926535", "teacher-teacher", "", "x" * 9]
)
def test_password_rules_are_italian(cast: Cast, new_password: str) -> None:
    findings = Findings()
    client = client_for(cast, "teacher")
    body = {"old_password": "sbagliata", "new_password1": new_password, "new_password2": "altra"}
    findings.read(client.post(reverse("accounts:password_change"), body), "cambio password")
    body = {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password}
    findings.read(client.post(reverse("accounts:password_change"), body), "cambio password")
    findings.assert_none(at_least=2)


def test_refusals_and_errors_are_italian(cast: Cast) -> None:
    findings = Findings()
    anonymous = client_for(cast, None)
    findings.read(anonymous.post(reverse("accounts:login"), {}), "accesso vuoto")
    wrong = {"username": "teacher", "password": "sbagliata"}
    findings.read(anonymous.post(reverse("accounts:login"), wrong), "accesso sbagliato")
    refused = Client(enforce_csrf_checks=True)
    findings.read(refused.post(reverse("accounts:login"), wrong), "modulo rifiutato (CSRF)")
    for role in (None, "guardian", "teacher", "office"):
        client = client_for(cast, role)
        for url in ("/non-esiste/", "/gestione/", "/gestione/people/student/999999/change/"):
            findings.read(client.get(url, follow=True), f"{role or 'anonymous'} {url}")
    findings.assert_none(at_least=12)


def admin_urls(cast: Cast) -> Iterable[str]:
    yield reverse("admin:index")
    yield reverse("admin:app_list", args=["school"])
    yield reverse("admin:app_list", args=["people"])
    for model, model_admin in office_admin._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        yield changelist
        yield f"{changelist}?q=zzz-nessuno"
        yield f"{changelist}?q=a&o=1"
        if model_admin.has_add_permission(request_of(cast)):
            yield reverse("admin:{}_{}_add".format(*info))
        first: Model | None = model_admin.get_queryset(request_of(cast)).order_by("pk").first()
        if first is not None:
            yield reverse("admin:{}_{}_change".format(*info), args=[first.pk])
            yield reverse("admin:{}_{}_history".format(*info), args=[first.pk])
            if model_admin.has_delete_permission(request_of(cast), first):
                yield reverse("admin:{}_{}_delete".format(*info), args=[first.pk])


def request_of(cast: Cast) -> Any:
    """A request of the office, for the admin's permission and queryset methods."""
    from django.test import RequestFactory

    request = RequestFactory().get("/gestione/")
    request.user = cast.office
    return request


def test_the_office_admin_is_italian(cast: Cast) -> None:
    findings = Findings()
    office = client_for(cast, "office")
    for url in admin_urls(cast):
        response = office.get(url, follow=True)
        assert response.status_code == 200, url
        findings.read(response, f"office {url}")
        if url.endswith("/add/") or url.endswith("/change/"):
            # Sent empty: the required-field errors, and the "please correct" summary.
            findings.read(office.post(url, {}, follow=True), f"office {url} vuoto")
    findings.assert_none(at_least=3 * len(office_admin._registry))


def test_users_named_in_the_report_exist(cast: Cast) -> None:
    """ROLES names attributes of the cast: a renamed one must not silently skip a role."""
    assert all(isinstance(getattr(cast, role), User) for role in ROLES)
