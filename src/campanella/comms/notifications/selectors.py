"""Reads of notifications: always the login's own (no one else's can be named)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from campanella.comms.notifications.models import Notification


def own_notifications(user: Any, *, now: datetime.datetime | None = None) -> QuerySet[Notification]:
    """The login's notifications already visible (at `now`, by default this moment), newest
    first."""
    moment = timezone.now() if now is None else now
    return Notification.objects.filter(user_id=user.pk, visible_from__lte=moment)


def unread_count(user: Any) -> int:
    """The bell: one query on the partial index of unread rows."""
    return own_notifications(user).filter(read_at__isnull=True).count()
