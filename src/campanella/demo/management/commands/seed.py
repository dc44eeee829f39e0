"""`campanella seed --students N --schools M --seed S`: a whole institute, deterministically."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from campanella.demo.generator import DEMO_PASSWORD, generate
from campanella.demo.logins import demo_logins
from campanella.school.models import Institute


class Command(BaseCommand):
    help = "Genera un istituto dimostrativo (o per i benchmark) della dimensione richiesta."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--students", type=int, default=200, help="numero di alunni")
        parser.add_argument("--schools", type=int, default=2, help="numero di scuole (plessi)")
        parser.add_argument("--seed", type=int, default=2026, help="seme casuale")
        parser.add_argument(
            "--history-days", type=int, default=0, help="giorni di registro già compilati"
        )
        parser.add_argument(
            "--grades-per-subject",
            type=int,
            default=0,
            help="voti per alunno e materia, dall'inizio delle lezioni a oggi",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        counts = generate(
            students=options["students"],
            schools=options["schools"],
            seed=options["seed"],
            history_days=options["history_days"],
            grades_per_subject=options["grades_per_subject"],
        )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Creati {counts.schools} scuole, {counts.classrooms} classi, "
            f"{counts.students} alunni, "
            f"{counts.guardians} genitori, {counts.staff} persone del personale, "
            f"{counts.users} utenti in {elapsed:.1f} s."
        )
        institute = Institute.objects.get(pk=counts.institute_id)
        print_logins(self, demo_logins(institute), DEMO_PASSWORD)


def print_logins(command: BaseCommand, by_role: dict[str, str], password: str) -> None:
    command.stdout.write(f"\nAccessi dimostrativi (password per tutti: {password}):")
    for role, username in by_role.items():
        command.stdout.write(f"  {role:<28} {username}")
