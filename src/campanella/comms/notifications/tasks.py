"""Background jobs of notifications: one job per batch of notifications, not per row."""

from __future__ import annotations

from django_tasks import task

from campanella.comms.notifications import delivery


@task()
def deliver_notifications(notification_ids: list[int]) -> int:
    return delivery.deliver(notification_ids=notification_ids)
