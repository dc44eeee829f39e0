"""A login's events as an iCalendar document (RFC 5545) with the `icalendar` library.

Moments are written in UTC (no VTIMEZONE to keep up to date), all-day events as dates, which
phones show on the school's day whatever their zone. The document depends only on the data:
DTSTAMP is when the record last changed, so an unchanged feed keeps its ETag.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

import icalendar
from django.utils import timezone

from campanella.comms.calendar.sources import events_for
from campanella.lib.calendar_events import CalendarEvent

DAYS_BACK = 60
DAYS_AHEAD = 180
# When a source cannot say when its record changed (RFC 5545 needs a DTSTAMP).
EPOCH = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def window(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    return today - datetime.timedelta(days=DAYS_BACK), today + datetime.timedelta(days=DAYS_AHEAD)


def as_utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC)


def ical_value(value: datetime.date | datetime.datetime) -> datetime.date | datetime.datetime:
    return as_utc(value) if isinstance(value, datetime.datetime) else value


def vevent(event: CalendarEvent, absolute: Callable[[str], str]) -> icalendar.Event:
    item = icalendar.Event()
    item.add("uid", event.uid)
    item.add("dtstamp", as_utc(event.changed_at or EPOCH))
    item.add("summary", event.summary)
    item.add("dtstart", ical_value(event.start))
    if event.end is not None:
        item.add("dtend", ical_value(event.end))
    if event.description:
        item.add("description", event.description)
    if event.location:
        item.add("location", event.location)
    if event.path:
        item.add("url", absolute(event.path))
    return item


def calendar_document(
    events: Iterable[CalendarEvent], *, name: str, absolute: Callable[[str], str]
) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Campanella//Registro elettronico//IT")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Rome")
    # How often a phone should read it again (honoured by Apple and Google calendars).
    calendar.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    seen: set[str] = set()
    for event in sorted(events, key=sort_key):
        if event.uid not in seen:  # a UID appears once, even if two sources gave it
            seen.add(event.uid)
            calendar.add_component(vevent(event, absolute))
    return bytes(calendar.to_ical())


def sort_key(event: CalendarEvent) -> tuple[str, str]:
    start = event.start
    if isinstance(start, datetime.datetime):
        return as_utc(start).date().isoformat() + as_utc(start).time().isoformat(), event.uid
    return start.isoformat(), event.uid


def feed_for(user: Any, *, name: str, absolute: Callable[[str], str]) -> bytes:
    first, last = window(timezone.localdate())
    return calendar_document(events_for(user, first, last), name=name, absolute=absolute)
