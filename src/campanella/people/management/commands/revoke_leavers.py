"""`campanella revoke_leavers [--date YYYY-MM-DD]`: run the leavers' revocation now."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from campanella.people.access import revoke_leavers


class Command(BaseCommand):
    help = "Revoca l'accesso agli alunni usciti (e ai loro genitori per quell'alunno)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=datetime.date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        report = revoke_leavers(options["date"] or timezone.localdate())
        self.stdout.write(
            f"Alunni usciti: {report.students}; legami genitore revocati: {report.guardian_links}; "
            f"accessi disattivati: {report.logins_disabled}."
        )
