"""`campanella demo`: migrate, load the demo institute once, print the logins, serve."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from campanella.demo.generator import (
    DEMO_PASSWORD,
    DEMO_SCHOOLS,
    DEMO_SEED,
    DEMO_STUDENTS,
    generate,
)
from campanella.demo.logins import demo_logins
from campanella.demo.management.commands.seed import print_logins
from campanella.demo.worker import background_worker
from campanella.school.models import Institute


class Command(BaseCommand):
    help = "Avvia Campanella con un istituto dimostrativo su http://127.0.0.1:8000"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="indirizzo:porta")
        parser.add_argument("--students", type=int, default=DEMO_STUDENTS)
        parser.add_argument("--no-serve", action="store_true", help="prepara i dati e termina")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if not Institute.objects.exists():
            self.stdout.write("Creo l'istituto dimostrativo…")
            generate(
                students=options["students"],
                schools=DEMO_SCHOOLS,
                seed=DEMO_SEED,
                history_days=10,
                grades_per_subject=4,
            )
        print_logins(self, demo_logins(), DEMO_PASSWORD)
        if options["no_serve"]:
            return
        if settings.STATIC_MANIFEST:
            # Hashed and compressed, as `campanella serve` does: a phone's first visit is light.
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(
            f"\nCampanella è in ascolto su http://{options['addr']}/ (Ctrl+C per uscire)"
        )
        if settings.TASKS_BACKEND != "database":  # TASKS_BACKEND=immediate: jobs in the request
            call_command("runserver", options["addr"], use_reloader=False)
            return
        with background_worker() as worker:
            self.stdout.write(f"Lavori in background: worker avviato (processo {worker.pid}).")
            call_command("runserver", options["addr"], use_reloader=False)
