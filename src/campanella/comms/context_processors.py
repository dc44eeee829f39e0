"""The header's counts on every page, for a logged-in user, in one query: the bell's unread
notifications, the unread notices and the message threads with something new (each a count on
its own partial index of unread rows, as scalar subqueries of one SELECT)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from campanella.comms.messages.models import ThreadParticipant
from campanella.comms.notices import rules as notice_rules
from campanella.comms.notifications.selectors import own_notifications
from campanella.people.models import User


def counted(rows: QuerySet[Any]) -> Coalesce:
    """COUNT(*) of `rows` (all of one login) as a scalar subquery; 0 when there are none."""
    per_login = rows.order_by().values("user_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(per_login, output_field=IntegerField()), Value(0))


def header_counts(user: Any) -> tuple[int, int, int]:
    """(unread notifications, unread notices, threads with news) of this login, one query."""
    unread_threads = ThreadParticipant.objects.filter(user_id=user.pk, unread_since__isnull=False)
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            unread_notification_count=counted(own_notifications(user).filter(read_at__isnull=True)),
            unread_notice_count=counted(notice_rules.received(user).filter(read_at__isnull=True)),
            unread_thread_count=counted(unread_threads),
        )
        .values_list("unread_notification_count", "unread_notice_count", "unread_thread_count")
        .first()
    )
    return row if row is not None else (0, 0, 0)


def unread_counts(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    notifications, notices, threads = header_counts(user)
    return {
        "unread_notifications": notifications,
        "unread_notices": notices,
        "unread_messages": threads,
    }
