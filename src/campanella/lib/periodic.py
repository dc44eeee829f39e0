"""Periodic jobs: a registry of named jobs run every interval or daily at a time (pure: the
database side, which makes each slot run once, is comms/scheduler.py).

Any number of processes may run the due jobs (every worker does, and `campanella periodic
--once` from cron): each job's current slot is claimed by inserting one row (job, slot) under a
unique constraint, so a slot runs once however many processes reach it. Apps register their
jobs in a `periodic` module (`<app>/periodic.py`), which the scheduler imports:

    @periodic.register("notifiche-in-attesa", every=datetime.timedelta(minutes=1))
    def sweep() -> None: ...

    @periodic.register("riepilogo-giornaliero-notifiche", daily_at=datetime.time(18, 0))
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


# claim(job name, slot) -> a function to call with the error ("" when it ran), or None when
# another process has the slot.
Claim = Callable[[str, str], Callable[[str], object] | None]


def run_due(now: datetime.datetime, zone: ZoneInfo, claim: Claim) -> list[str]:
    """Run every job whose current slot nobody has claimed; the names of those run here."""
    ran: list[str] = []
    for job in list(REGISTRY.values()):
        slot = job.slot(now, zone)
        if slot is None:
            continue
        finish = claim(job.name, slot)
        if finish is None:
            continue
        error = ""
        try:
            job.run()
        except Exception as failure:
            log.exception("lavoro periodico %s non riuscito", job.name)
            error = f"{type(failure).__name__}: {failure}"[:500]
        finish(error)
        ran.append(job.name)
    return ran


def run_forever(stop: threading.Event, run_once: Callable[[], object], tick: float = 15.0) -> None:
    """Call `run_once` every `tick` seconds until `stop` is set (the worker's thread)."""
    while not stop.is_set():
        try:
            run_once()
        except Exception:
            log.exception("lavori periodici non eseguiti")
        stop.wait(tick)
