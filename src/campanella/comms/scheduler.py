"""The database side of the periodic jobs (lib/periodic.py): each (job, slot) is one
`PeriodicSlot` row under a unique constraint, so of all the workers and cron runs only the
first to insert it runs that slot. Used by `campanella worker` and `campanella periodic`."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from campanella.comms.notifications.models import PeriodicSlot
from campanella.lib import periodic


def claim_slot(job: str, slot: str) -> Callable[[str], object] | None:
    try:
        with transaction.atomic():
            row = PeriodicSlot.objects.create(job=job, slot=slot)
    except IntegrityError:
        return None

    def finish(error: str) -> object:
        return PeriodicSlot.objects.filter(pk=row.pk).update(
            finished_at=timezone.now(), error=error
        )

    return finish


# A slot row only has to outlive its slot (run_due never claims a past slot again); a week
# leaves the recent runs readable for whoever looks into a missed job.
SLOTS_KEPT = datetime.timedelta(days=7)


def forget_old_slots(now: datetime.datetime) -> int:
    deleted, _by_model = PeriodicSlot.objects.filter(started_at__lt=now - SLOTS_KEPT).delete()
    return deleted


def run_due_jobs(now: datetime.datetime | None = None) -> list[str]:
    """Run the periodic jobs due now that no other process has run; their names."""
    autodiscover_modules("periodic")  # each app's <app>/periodic.py registers its jobs
    return periodic.run_due(now or timezone.now(), ZoneInfo(settings.TIME_ZONE), claim_slot)


def run_in_thread() -> list[str]:
    """One tick of a long-running thread: its connections are closed when stale."""
    close_old_connections()
    try:
        return run_due_jobs()
    finally:
        close_old_connections()


def run_forever(stop: threading.Event | None = None, tick: float = 15.0) -> None:
    periodic.run_forever(stop or threading.Event(), run_in_thread, tick)
