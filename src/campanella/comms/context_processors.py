"""The header's counts on every page, for a logged-in user, in one query: the bell's unread
notifications, the unread notices and the message threads with something new (each a count on
its own partial index of unread rows, as scalar subqueries of one SELECT)."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django.db.models import Count, IntegerField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone

from campanella.comms.messages.models import ThreadParticipant
from campanella.comms.notices import rules as notice_rules
from campanella.comms.notifications.selectors import own_notifications
from campanella.orm.compiled import Compiled
from campanella.people.models import User


def counted(rows: QuerySet[Any]) -> Coalesce:
    """COUNT(*) of `rows` (all of one login) as a scalar subquery; 0 when there are none."""
    per_login = rows.order_by().values("user_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(per_login, output_field=IntegerField()), Value(0))


def header_counts_query(user_id: int, now: datetime.datetime) -> QuerySet[Any]:
    """The header's three counts of login `user_id` at `now`, as one SELECT of one row."""
    login = User(pk=user_id)  # only its id is read by the rules below
    unread_threads = ThreadParticipant.objects.filter(user_id=user_id, unread_since__isnull=False)
    return (
        User.objects.filter(pk=user_id)
        .annotate(
            unread_notification_count=counted(
                own_notifications(login, now=now).filter(read_at__isnull=True)
            ),
            unread_notice_count=counted(
                notice_rules.received(login, now=now).filter(read_at__isnull=True)
            ),
            unread_thread_count=counted(unread_threads),
        )
        .values_list("unread_notification_count", "unread_notice_count", "unread_thread_count")
    )


# Every page of a login asks it: compiled once per process (campanella.orm.compiled), building
# the ORM query with its three subqueries cost more than running it.
_header_counts = Compiled(header_counts_query, int, datetime.datetime)


def header_counts(user: Any) -> tuple[int, int, int]:
    """(unread notifications, unread notices, threads with news) of this login, one query."""
    for row in _header_counts(int(user.pk), timezone.now()):
        return cast(tuple[int, int, int], row)
    return (0, 0, 0)


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
