"""Routes of the private calendar feed (/comunicazioni/calendario/, /api/v1/calendar-feed).

Every page and API operation acts on the requester's own feed: none names another login's, so
an outsider doing the same request makes or revokes only their own (its answer is `refused`)
and the guardian's feed does not change. The feed itself is read by its token, without a
session: the table reads a token made anew (dead), which answers 404 to anyone; that a live
token shows only its own login's data is tested in tests/comms/test_calendar_feed.py."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from campanella.comms.calendar.models import CalendarFeed
from campanella.comms.calendar.services import calendar_feed_issue
from tests.conftest import Cast
from tests.routes import ApiTable, ApiWriteTable, PageTable, SelfServiceTable, Write, WriteTable

PAGES: PageTable = {}
API: ApiTable = {}
PAGE_WRITES: WriteTable = {}
API_WRITES: ApiWriteTable = {}
SELF_SERVICE: SelfServiceTable = {}

FEED = "/api/v1/calendar-feed"


def dead_token(c: Cast) -> dict[str, Any]:
    """The guardian's first token, replaced by a second one: it must answer 404."""
    _feed, first = calendar_feed_issue(user=c.guardian)
    calendar_feed_issue(user=c.guardian)
    return {"token": first}


def outsiders(c: Cast) -> tuple[Any, ...]:
    return (c.other_guardian, c.child_user, c.teacher, c.other_teacher, c.foreign_office)


def own_feed(c: Cast, url: str, body: dict[str, Any], refused: int, *, made: bool) -> Write:
    if made:
        calendar_feed_issue(user=c.guardian)
    return Write(
        url, body, c.guardian, outsiders(c), (CalendarFeed.objects.filter(user=c.guardian),),
        refused=refused,
    )  # fmt: skip


def page_revoke(c: Cast) -> Write:
    return own_feed(c, reverse("comms:calendar_feed"), {"azione": "revoca"}, 302, made=True)


def api_create(c: Cast) -> Write:
    return own_feed(c, FEED, {}, 201, made=False)


def api_revoke(c: Cast) -> Write:
    return own_feed(c, FEED, {}, 204, made=True)


PAGES.update({
    "comms:calendar_feed": (lambda c: {}, 200, 302),  # one's own feed (here: none)
    "comms:calendar_feed_ics": (dead_token, 404, 404),  # no session: the token is the key
})  # fmt: skip
PAGE_WRITES.update({"comms:calendar_feed": page_revoke})
API.update({
    ("get", FEED): 200,  # one's own feed's state
    ("post", FEED): 201,  # makes one's own
    ("delete", FEED): 204,  # revokes one's own (idempotent)
})  # fmt: skip
API_WRITES.update({("post", FEED): api_create, ("delete", FEED): api_revoke})
