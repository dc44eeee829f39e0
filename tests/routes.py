"""Shared types for the per-app route tables (tests/<app>/routes.py).

Each app lists every page it adds: url name -> (kwargs from the cast, status an outsider gets,
status an anonymous visitor gets); and every API operation: (method, path) -> status an
outsider with a valid token gets. tests/test_every_route_refuses_outsiders.py merges them and
fails when a route is missing from every table.

Every write (a page that accepts POST, an API POST/PUT/PATCH/DELETE) is also listed with a
`Write`: a valid body on a real object, the user for whom that very request succeeds, and the
outsiders for whom it must be refused without changing anything.
tests/test_outsiders_cannot_write.py merges PAGE_WRITES and API_WRITES and fails when a write
is missing. Pages that accept POST but only ever act on the requester's own session or login
(no object of anyone else can be named) are listed in SELF_SERVICE with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, QuerySet
from django.test import Client

from campanella.people.models import User
from tests.conftest import Cast

PageTable = dict[str, tuple[Callable[[Cast], dict[str, Any]], int, int]]
ApiTable = dict[tuple[str, str], int]

# What must not change when an outsider writes: a whole table, some rows of it, or a value
# computed from the database (e.g. the usernames locked now). audit.Change is always watched.
Probe = type[Model] | QuerySet[Any] | Callable[[], object]


@dataclass(frozen=True)
class Write:
    url: str
    body: dict[str, Any]
    rightful: User | None  # for whom this request succeeds and writes (None: anonymous)
    outsiders: tuple[User | None, ...]  # for whom it is refused and writes nothing
    watch: tuple[Probe, ...]
    refused: int = 404  # what an outsider gets (404: as for something missing)
    refused_for: dict[str, int] = field(default_factory=dict)  # by username, "" = anonymous
    outsider_body: dict[str, Any] | None = None  # when the outsider's body must differ
    prepare: Callable[[Client], object] | None = None  # run on the rightful client first
    # Outsiders on their own ground: (user, a URL of their own classroom, a body naming the
    # victim's object, the status they get), e.g. 2B's teacher marking 1A's child absent in 2B.
    crossed: tuple[tuple[User, str, dict[str, Any], int], ...] = ()

    def status_for(self, user: User | None) -> int:
        return self.refused_for.get(user.username if user else "", self.refused)


WriteBuilder = Callable[[Cast], Write]
WriteTable = dict[str, WriteBuilder]  # page url name -> its write
ApiWriteTable = dict[tuple[str, str], WriteBuilder]  # (method, path) -> its write
SelfServiceTable = dict[str, str]  # page url name -> why no one else's object can be named


def posted(cast: Cast) -> dict[str, Any]:
    """In PAGES, for a POST-only page: its URL, body and expectations are its PAGE_WRITES
    entry (a GET would only prove that the page answers 405)."""
    raise AssertionError("POST-only pages are requested from their PAGE_WRITES entry")
