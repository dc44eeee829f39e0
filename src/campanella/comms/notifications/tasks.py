"""Background jobs of notifications: one job per batch of notifications, not per row."""

from __future__ import annotations

from django_tasks import task

from campanella.comms.notifications import delivery, services


@task()
def deliver_notifications(notification_ids: list[int]) -> int:
    """Decide these notifications' channels, then send what is due now (the rest waits for
    the periodic sweep)."""
    services.deliveries_prepare(notification_ids)
    return delivery.deliver(notification_ids=notification_ids)
