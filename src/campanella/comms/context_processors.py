"""The header's unread notices and messages on every page: one indexed query each for a
logged-in user."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from campanella.comms.messages.selectors import unread_count as message_unread_count
from campanella.comms.notices.selectors import unread_count


def unread_notices(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notices": unread_count(user)}


def unread_messages(request: HttpRequest) -> dict[str, Any]:
    """The header's threads with something new: one query on the partial index of unread
    participants."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_messages": message_unread_count(user)}
