"""What a private calendar feed contains: a registry of sources, each a callable
(login, first day, last day) -> events (campanella.lib.calendar_events).

A source of an app below or beside comms (the register's agenda) is named by its dotted path
and imported when first read, so that comms does not import it (the layers of DESIGN §2, as
Django names middleware); an area of comms may also `register()` a callable. The settings may
replace the list with CALENDAR_FEED_SOURCES. Every source must be scoped to what the login may
read and cost a bounded number of queries.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from functools import cache
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from campanella.comms.notices.rules import received
from campanella.lib.calendar_events import CalendarEvent, Source

# The agenda of the login's classrooms (homework, tests), the consent deadlines of notices
# addressed to it and the meetings (colloqui) booked by it or with it.
SOURCE_PATHS: tuple[str, ...] = (
    "campanella.register.calendar.agenda_events",
    "campanella.comms.calendar.sources.notice_deadlines",
    "campanella.comms.meetings.selectors.meeting_events",
)
_registered: list[Source] = []


def register(source: Source) -> Source:
    """Add a source (usable as a decorator); registering the same one twice adds it once."""
    if source not in _registered:
        _registered.append(source)
    return source


@cache
def _imported(paths: tuple[str, ...]) -> tuple[Source, ...]:
    return tuple(import_string(path) for path in paths)


def sources() -> list[Source]:
    paths = tuple(getattr(settings, "CALENDAR_FEED_SOURCES", SOURCE_PATHS))
    found = list(_imported(paths))
    return found + [s for s in _registered if s not in found]


def events_for(user: Any, first: datetime.date, last: datetime.date) -> list[CalendarEvent]:
    """Every source's events of this login between two days (both included)."""
    events: list[CalendarEvent] = []
    for source in sources():
        events.extend(source(user, first, last))
    return events


def notice_deadlines(
    user: Any, first: datetime.date, last: datetime.date
) -> Iterable[CalendarEvent]:
    """The consent deadlines (adesioni) of the notices this login received and may read now:
    one query."""
    rows = (
        received(user)
        .filter(
            notice__asks_consent=True,
            notice__consent_deadline__date__gte=first,
            notice__consent_deadline__date__lte=last,
        )
        .select_related("notice")
        .order_by("notice__consent_deadline", "notice_id")
    )
    for row in rows:
        notice = row.notice
        assert notice.consent_deadline is not None  # asked consent has a deadline (constraint)
        yield CalendarEvent(
            uid=f"notice-consent-{notice.pk}@campanella",
            summary=_("Termine per l'adesione: %(title)s") % {"title": notice.title},
            start=notice.consent_deadline,
            description=f"{notice.label}. {notice.consent_question}".strip(),
            path=reverse("comms:notice_detail", args=[notice.pk]),
            changed_at=notice.created_at,
        )
