"""`campanella scheduler`: enqueue the daily jobs at 02:00 Europe/Rome (run it once, beside the
workers; with several app servers run a single scheduler)."""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from campanella.people.tasks import purge_credential_letters, revoke_leavers_today

RUN_AT = datetime.time(2, 0)


def seconds_until(moment: datetime.time, now: datetime.datetime) -> float:
    target = now.replace(hour=moment.hour, minute=moment.minute, second=0, microsecond=0)
    if target <= now:
        target += datetime.timedelta(days=1)
    return (target - now).total_seconds()


def enqueue_daily_jobs() -> None:
    revoke_leavers_today.enqueue()
    purge_credential_letters.enqueue()


class Command(BaseCommand):
    help = "Accoda ogni notte i lavori giornalieri (revoca degli usciti, pulizia delle lettere)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="accoda subito ed esce")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            enqueue_daily_jobs()
            return
        while True:
            time.sleep(seconds_until(RUN_AT, timezone.localtime()))
            enqueue_daily_jobs()
