"""A date and a time the office typed in a form (publication of report cards, interim reports,
class documents), read in the school's time zone (Europe/Rome)."""

from __future__ import annotations

import datetime

from django.utils import timezone


def typed_moment(day: str, time: str) -> datetime.datetime | None:
    """`AAAA-MM-GG` and `HH:MM` as an aware moment, or None when either cannot be read."""
    try:
        parsed_day = datetime.date.fromisoformat(day.strip())
        parsed_time = datetime.time.fromisoformat(time.strip())
    except ValueError:
        return None
    return timezone.make_aware(datetime.datetime.combine(parsed_day, parsed_time))
