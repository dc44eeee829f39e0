"""Periodic jobs: a registry of named jobs run every interval or daily at a time.

Any number of processes may run `run_due()` (every worker does, and `campanella periodic
--once` from cron): each job's current slot is claimed by inserting one row (job, slot) under a
unique constraint, so a slot runs once however many processes reach it. Apps register their
jobs in a `periodic` module (`<app>/periodic.py`), found by `autodiscover()`.

    @periodic.register("notifiche-da-inviare", every=datetime.timedelta(minutes=1))
    def sweep() -> None: ...

    @periodic.register("riepilogo-notifiche", daily_at=datetime.time(18, 0))
    def digest() -> None: ...
"""

from __future__ import annotations

import datetime
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

SLOT_MODEL = ("comms", "PeriodicSlot")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    run: Callable[[], object]
    every: datetime.timedelta | None = None
    daily_at: datetime.time | None = None

    def slot(self, now: datetime.datetime, zone: ZoneInfo) -> str | None:
        """The slot `now` falls in, or None when the job is not due yet (a daily job before
        its time). Interval slots count from the epoch; daily slots are local dates."""
        if self.every is not None:
            seconds = int(self.every.total_seconds())
            return f"{int(now.timestamp()) // seconds * seconds}"
        assert self.daily_at is not None
        local = now.astimezone(zone)
        return local.date().isoformat() if local.time() >= self.daily_at else None


REGISTRY: dict[str, PeriodicJob] = {}


def register(
    name: str, *, every: datetime.timedelta | None = None, daily_at: datetime.time | None = None
) -> Callable[[Callable[[], object]], Callable[[], object]]:
    if (every is None) == (daily_at is None):
        raise ValueError("a periodic job runs either every interval or daily at a time")
    if every is not None and every.total_seconds() < 1:
        raise ValueError("the interval must be at least one second")

    def add(function: Callable[[], object]) -> Callable[[], object]:
        REGISTRY[name] = PeriodicJob(name, function, every, daily_at)
        return function

    return add


def autodiscover() -> None:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("periodic")


def claim_slot(job: PeriodicJob, slot: str) -> object | None:
    """The slot's row if this process inserted it first, else None."""
    from django.apps import apps
    from django.db import IntegrityError, transaction

    model = apps.get_model(*SLOT_MODEL)
    try:
        with transaction.atomic():
            return model.objects.create(job=job.name, slot=slot)
    except IntegrityError:
        return None


def run_due(now: datetime.datetime | None = None) -> list[str]:
    """Run every job whose current slot nobody has run; the names of those run here."""
    from django.conf import settings
    from django.utils import timezone

    autodiscover()
    moment = now or timezone.now()
    zone = ZoneInfo(settings.TIME_ZONE)
    ran: list[str] = []
    for job in list(REGISTRY.values()):
        slot = job.slot(moment, zone)
        if slot is None:
            continue
        row = claim_slot(job, slot)
        if row is None:
            continue
        error = ""
        try:
            job.run()
        except Exception as failure:  # noqa: BLE001 - one job's failure must not stop the rest
            log.exception("lavoro periodico %s non riuscito", job.name)
            error = f"{type(failure).__name__}: {failure}"[:500]
        type(row).objects.filter(pk=row.pk).update(  # type: ignore[attr-defined]
            finished_at=timezone.now(), error=error
        )
        ran.append(job.name)
    return ran


def run_forever(stop: threading.Event, tick: float = 15.0) -> None:
    """Run due jobs every `tick` seconds until `stop` is set (the worker's thread)."""
    from django.db import close_old_connections

    while not stop.is_set():
        try:
            run_due()
        except Exception:  # noqa: BLE001 - e.g. the database restarting: try again next tick
            log.exception("lavori periodici non eseguiti")
        finally:
            close_old_connections()
        stop.wait(tick)
