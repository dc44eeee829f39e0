"""Reads of messages, scoped by `rules`: the unread count (one indexed query), the inbox (a
fixed number of queries a page) and a thread with its messages and attachments."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from campanella.comms.messages import rules
from campanella.comms.messages.models import Message, MessageAttachment, Thread, ThreadParticipant


def unread_count(user: Any) -> int:
    """The header's count of threads with something new: one query on the unread index."""
    if user is None or not user.is_authenticated:
        return 0
    return ThreadParticipant.objects.filter(user_id=user.pk, unread_since__isnull=False).count()


def inbox(user: Any) -> QuerySet[Thread]:
    """This login's threads, the latest message first, each with whether it is unread."""
    unread = ThreadParticipant.objects.filter(
        thread_id=OuterRef("pk"), user_id=getattr(user, "pk", None) or 0, unread_since__isnull=False
    )
    return (
        rules.visible_threads(user)
        .select_related("student", "teacher")
        .annotate(unread=Exists(unread))
        .order_by("-last_message_at", "-pk")
    )


def thread_messages(thread: Thread) -> list[Message]:
    """The thread's messages, oldest first, with their attachments (two queries)."""
    return list(
        Message.objects.filter(thread=thread)
        .prefetch_related(
            Prefetch("attachments", queryset=MessageAttachment.objects.order_by("pk"))
        )
        .order_by("created_at", "pk")
    )
