"""The header's unread notices on every page: one indexed query for a logged-in user."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from campanella.comms.notices.selectors import unread_count


def unread_notices(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notices": unread_count(user)}


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """The bell (every kind, notices included); the notices' own count stays on their link."""
    from campanella.comms.notifications.selectors import unread_count as notifications_unread

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": notifications_unread(user)}
