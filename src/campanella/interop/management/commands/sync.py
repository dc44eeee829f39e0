"""`campanella sync …`: the exchange with the back-office from cron, on the server itself.

    campanella sync attendance-out --school RMPS01000X --from 2026-10-22 --to 2026-10-23 \\
        [--since 2026-10-23T18:00] [--format csv|json|xlsx] [--output file]
    campanella sync results-out --school RMPS01000X --year 2025/2026 [--kind finale] \\
        [--format csv|json|xlsx] [--output file]
    campanella sync resume      queue again the background imports whose worker died
    campanella sync oneroster-out --school RMPS01000X --year 2025/2026 [--output bundle.zip]

Schools are named by their codice meccanografico and must be of one institute. Without
--output the file goes to standard output. Results sent are recorded as the page records them.
"""

from __future__ import annotations

import datetime
import shutil
import sys
from collections.abc import Iterable
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from campanella.evaluation.models import SessionKind
from campanella.interop import attendance_export, results_export, sync_jobs
from campanella.interop.forms import MAX_EXPORT_DAYS
from campanella.interop.models import ResultsExportChannel
from campanella.interop.oneroster import bundle as oneroster_bundle
from campanella.interop.oneroster.mapping import Scope
from campanella.school.models import School, SchoolYear

FORMATS = ("csv", "json", "xlsx")


def _day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Data non valida: {text!r} (aaaa-mm-gg).") from None


def _schools(codes: list[str]) -> tuple[int, tuple[int, ...]]:
    """The institute and the schools named by their codes; all must exist, of one institute."""
    found = {school.code: school for school in School.objects.filter(code__in=codes)}
    missing = sorted(set(codes) - set(found))
    if missing:
        raise CommandError(f"Scuole sconosciute: {', '.join(missing)}.")
    institutes = {school.institute_id for school in found.values()}
    if len(institutes) != 1:
        raise CommandError("Le scuole scelte sono di istituti diversi.")
    return institutes.pop(), tuple(sorted(school.pk for school in found.values()))


def _school_year(institute_id: int, name: str) -> SchoolYear:
    """The institute's school year named "2025/2026"."""
    years = SchoolYear.objects.filter(institute_id=institute_id)
    found = next((year for year in years if year.name == name), None)
    if found is None:
        raise CommandError(f"Anno scolastico sconosciuto: {name}.")
    return found


def _write(target: IO[bytes], chunks: Iterable[bytes]) -> None:
    for chunk in chunks:
        target.write(chunk)


class Command(BaseCommand):
    help = "Scambio con il gestionale di segreteria: assenze ed esiti degli scrutini."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="operation", required=True)
        attendance = commands.add_parser("attendance-out", help="eventi di presenza")
        attendance.add_argument("--school", action="append", required=True)
        attendance.add_argument("--from", dest="start", required=True)
        attendance.add_argument("--to", dest="end", required=True)
        attendance.add_argument("--since", default=None)
        results = commands.add_parser("results-out", help="esiti degli scrutini chiusi")
        results.add_argument("--school", action="append", required=True)
        results.add_argument("--year", required=True, help="anno scolastico, es. 2025/2026")
        results.add_argument("--kind", action="append", choices=SessionKind.values, default=[])
        commands.add_parser(
            "resume", help="riaccoda le importazioni interrotte (un lavoro morto a metà)"
        )
        for command in (attendance, results):
            command.add_argument("--format", choices=FORMATS, default="csv")
            command.add_argument("--output", default=None, help="file (altrimenti lo stdout)")
        oneroster = commands.add_parser("oneroster-out", help="archivio OneRoster 1.2 (.zip)")
        oneroster.add_argument("--school", action="append", required=True)
        oneroster.add_argument("--year", required=True, help="anno scolastico, es. 2025/2026")
        oneroster.add_argument("--output", default=None, help="file (altrimenti lo stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["operation"] == "resume":
            resumed = sync_jobs.resume_stalled()
            self.stdout.write(f"{len(resumed)} importazioni riaccodate.")
            return
        output = options["output"]
        target: IO[bytes] = open(output, "wb") if output else sys.stdout.buffer  # noqa: SIM115
        try:
            if options["operation"] == "attendance-out":
                self.attendance_out(options, target)
            elif options["operation"] == "oneroster-out":
                self.oneroster_out(options, target)
            else:
                self.results_out(options, target)
        finally:
            if output:
                target.close()

    def attendance_out(self, options: dict[str, Any], target: IO[bytes]) -> None:
        institute_id, school_ids = _schools(options["school"])
        start, end = _day(options["start"]), _day(options["end"])
        if end < start:
            raise CommandError("L'ultimo giorno viene prima del primo.")
        if (end - start).days >= MAX_EXPORT_DAYS:
            raise CommandError(f"Al massimo {MAX_EXPORT_DAYS} giorni per volta.")
        since = None
        if options["since"]:
            since = parse_datetime(options["since"])
            if since is None:
                raise CommandError("--since non valido (aaaa-mm-ggThh:mm).")
        selection = attendance_export.Selection(
            institute_id=institute_id, school_ids=school_ids, start=start, end=end, since=since
        )
        events = attendance_export.attendance_events(selection)
        file_format = options["format"]
        if file_format == "xlsx":
            with attendance_export.xlsx_file(events, selection.fields) as written:
                shutil.copyfileobj(written, target)
        elif file_format == "json":
            _write(target, attendance_export.json_chunks(events, selection.fields))
        else:
            _write(target, attendance_export.csv_chunks(events, selection.fields))

    def results_out(self, options: dict[str, Any], target: IO[bytes]) -> None:
        institute_id, school_ids = _schools(options["school"])
        year = _school_year(institute_id, options["year"])
        selection = results_export.ResultsSelection(
            institute_id=institute_id, school_ids=school_ids, school_year_id=year.pk,
            kinds=tuple(options["kind"]),
        )  # fmt: skip
        sessions = list(results_export.locked_sessions(selection))
        file_format = options["format"]
        sender = results_export.Sender(
            institute_id=institute_id, channel=ResultsExportChannel.COMMAND
        )
        results_export.record_export(sender=sender, sessions=sessions, file_format=file_format)
        if file_format == "xlsx":
            with results_export.xlsx_file(sessions) as written:
                shutil.copyfileobj(written, target)
        elif file_format == "json":
            _write(target, results_export.json_chunks(sessions))
        else:
            _write(target, results_export.csv_chunks(sessions))
        self.stderr.write(f"{len(sessions)} scrutini chiusi inviati.")

    def oneroster_out(self, options: dict[str, Any], target: IO[bytes]) -> None:
        institute_id, school_ids = _schools(options["school"])
        year = _school_year(institute_id, options["year"])
        scope = Scope(institute_id=institute_id, school_ids=school_ids, school_year_id=year.pk)
        written, _name = oneroster_bundle.bundle_file(scope)
        with written:
            shutil.copyfileobj(written, target)
        self.stderr.write("Archivio OneRoster 1.2 scritto.")
