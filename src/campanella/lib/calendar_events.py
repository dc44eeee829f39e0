"""An event of a private calendar feed, as every source gives it (no Django: each app's source
builds these, campanella.comms.calendar turns them into iCalendar)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CalendarEvent:
    # Stable across reads and unique in the feed: a phone updates the event it already has.
    uid: str
    summary: str
    # A date: an all-day event; an aware datetime: a moment (ends at `end`, or when it starts).
    start: datetime.date | datetime.datetime
    end: datetime.date | datetime.datetime | None = None
    description: str = ""
    location: str = ""
    # A page of Campanella (a path; the feed makes it absolute).
    path: str = ""
    # When the record behind the event last changed (DTSTAMP; kept stable for the ETag).
    changed_at: datetime.datetime | None = None


# (login, first day, last day) -> the events of that login in those days, in a bounded number
# of queries whatever the data size.
Source = Callable[[Any, datetime.date, datetime.date], Iterable[CalendarEvent]]
