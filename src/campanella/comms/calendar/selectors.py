"""Reads of calendar feeds: the state of the requester's own feed."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from campanella.comms.calendar.models import CalendarFeed
from campanella.comms.calendar.services import is_alive


@dataclass(frozen=True)
class FeedStatus:
    active: bool
    # The feed was there but died with a password change or reset: make a new one.
    expired: bool
    created_at: datetime.datetime | None
    last_used_at: datetime.datetime | None


def feed_status(user: Any) -> FeedStatus:
    feed = CalendarFeed.objects.select_related("user").filter(user_id=user.pk).first()
    if feed is None:
        return FeedStatus(active=False, expired=False, created_at=None, last_used_at=None)
    alive = is_alive(feed)
    return FeedStatus(
        active=alive, expired=not alive, created_at=feed.created_at, last_used_at=feed.last_used_at
    )
