"""Writes of calendar feeds: make (or make anew) a login's feed, revoke it, and resolve a
token into the login it belongs to.

A feed is a credential, not a record of the register: like the API tokens it keeps no change
history (audit.Change is for legal records); the row itself says when it was made and last read.
"""

from __future__ import annotations

import datetime
import hmac
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from campanella.comms.calendar.models import CalendarFeed
from campanella.comms.calendar.tokens import credential_digest, token_digest
from campanella.people.models import User

# Phones poll every 15 minutes to a few hours: marking each poll would be a write per poll.
LAST_USED_RESOLUTION = datetime.timedelta(hours=1)
# secrets.token_urlsafe(32) is 43 characters: anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 64


@transaction.atomic
def calendar_feed_issue(*, user: Any) -> tuple[CalendarFeed, str]:
    """Make the login's feed, or make it anew (the old URL stops working at once). Returns the
    row and the raw token, which is shown once and never stored."""
    locked = User.objects.select_for_update().get(pk=user.pk)  # two clicks make one feed
    raw = secrets.token_urlsafe(32)
    feed, _created = CalendarFeed.objects.update_or_create(
        user=locked,
        defaults={
            "digest": token_digest(raw),
            "credential_digest": credential_digest(locked),
            "created_at": timezone.now(),
            "last_used_at": None,
        },
    )
    return feed, raw


@transaction.atomic
def calendar_feed_revoke(*, user: Any) -> bool:
    """The login's feed stops working; False when there was none."""
    deleted, _detail = CalendarFeed.objects.filter(user_id=user.pk).delete()
    return deleted > 0


def is_alive(feed: CalendarFeed) -> bool:
    """A feed works while its login is active and its credential unchanged since it was made."""
    return feed.user.is_active and hmac.compare_digest(
        feed.credential_digest, credential_digest(feed.user)
    )


def calendar_feed_user(raw_token: str) -> Any | None:
    """The login a live feed token belongs to, else None (unknown, revoked, made anew, dead
    with a changed password or a deactivated account: all alike)."""
    if not raw_token or len(raw_token) > MAX_TOKEN_LENGTH:
        return None
    feed = (
        CalendarFeed.objects.select_related("user").filter(digest=token_digest(raw_token)).first()
    )
    if feed is None or not is_alive(feed):
        return None
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at > LAST_USED_RESOLUTION:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    return feed.user
