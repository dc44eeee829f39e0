"""The frame's header built in Python (accounts.frame) writes, byte for byte, what base.html's
header wrote: that part of the template is kept here as the reference
(tests/accounts/templates/reference/frame_header.html), rendered with Django's engine on the
same contexts: anonymous (as the 500 page, without the context processors), a login with and
without children to switch, counts of none, one and several, a current menu entry, texts to
escape, no CSRF token, in Italian and in English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Engine
from django.test import RequestFactory
from django.utils import translation

from campanella.accounts.frame import frame_header
from campanella.people.models import User

REFERENCE = Engine(
    dirs=[str(Path(__file__).parent / "templates")],
    libraries={"i18n": "django.templatetags.i18n"},
)
TRICKY = 'D\'Amico <b>&"x"'
LINKS = {
    "home": "/",
    "logout": "/esci/",
    "switch_child": "/figlio/?a=1&b=2",
    "notifications": "/notifiche/",
    "notices": "/comunicazioni/",
    "messages": "/messaggi/",
}


def _nav(children: int, current: int | None) -> dict[str, Any]:
    return {
        "institute_name": f"Istituto {TRICKY}",
        "items": [
            {"label": "Home", "url": "/", "current": False},
            {"label": TRICKY, "url": "/profilo/?x=<", "current": True},
        ],
        "children": [{"pk": pk, "name": f"Figlio {pk} {TRICKY}"} for pk in range(1, children + 1)],
        "current_child": current,
    }


def _contexts() -> list[dict[str, Any]]:
    request = RequestFactory().get("/voti/alunno/3/", {"q": '"<x>'})
    user = User(pk=7, username="G123456X")
    counts = {"unread_notifications": 3, "unread_notices": 1, "unread_messages": 0}
    login = {"user": user, "request": request, "site_links": LINKS, "csrf_token": "tok<en>"}
    return [
        {},  # the 500 page: no request, no context processors
        {"user": AnonymousUser(), "nav": {"institute_name": "Campanella", "items": []}},
        {**login, "nav": _nav(0, None), **counts},
        {**login, "nav": _nav(3, 2), "unread_notifications": 1, "unread_notices": 0},
        {**login, "nav": _nav(2, None), "unread_messages": 5},
        {**login, "nav": _nav(2, 1), "csrf_token": "NOTPROVIDED", **counts},
        {**login, "nav": _nav(0, None), "csrf_token": None, "unread_notifications": 0},
    ]


@pytest.mark.parametrize("language", ["it", "en"])
def test_header_is_the_template_it_replaced(language: str) -> None:
    template = REFERENCE.get_template("reference/frame_header.html")
    with translation.override(language):
        for i, values in enumerate(_contexts()):
            expected = template.render(Context(values))
            assert frame_header(Context(values)) == expected, i


def test_the_comparison_can_fail() -> None:
    template = REFERENCE.get_template("reference/frame_header.html")
    first, second = _contexts()[2:4]
    assert frame_header(Context(first)) != template.render(Context(second))
    assert "Istituto D&#x27;Amico &lt;b&gt;" in frame_header(Context(first))
