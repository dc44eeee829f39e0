"""`campanella periodic --once`: run the periodic jobs that are due (for cron), or keep running
them (without --once). Several processes may run it: each slot runs once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from campanella.comms import scheduler


class Command(BaseCommand):
    help = "Esegue i lavori periodici dovuti (invio delle notifiche, riepiloghi giornalieri)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="una sola volta, poi esce")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            ran = scheduler.run_due_jobs()
            self.stdout.write(", ".join(ran) if ran else "nessun lavoro dovuto")
            return
        scheduler.run_forever()
