"""The periodic jobs of notifications: due deliveries (held grades, quiet hours, retries) and
the daily digest."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from campanella.comms.notifications import delivery
from campanella.comms.scheduler import forget_old_slots
from campanella.lib import periodic


@periodic.register("notifiche-in-attesa", every=datetime.timedelta(minutes=1))
def send_due_notifications() -> None:
    delivery.prepare_forgotten()
    delivery.deliver()


@periodic.register(
    "riepilogo-giornaliero-notifiche",
    daily_at=datetime.time.fromisoformat(settings.NOTIFICATIONS_DIGEST_TIME),
)
def send_daily_digests() -> None:
    delivery.send_digests(limit_users=1_000_000)


@periodic.register("pulizia-turni-periodici", daily_at=datetime.time(3, 15))
def forget_old_periodic_slots() -> None:
    forget_old_slots(timezone.now())
