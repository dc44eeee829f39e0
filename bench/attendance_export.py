"""Attendance events out for the back-office (issue 15: "100,000 attendance events out … in
under 30 s on PostgreSQL, memory flat (streamed, not loaded whole)").

What it does: a fresh database (PostgreSQL by default, in a database of its own, dropped at the
end; `--database sqlite` for a temporary SQLite file), `campanella seed --students N` (an
institute with its schools, classrooms, timetables), then `--events` attendance events spread
over the school year's lesson days — whole-day absences, hour absences, late entries (some
short), early exits, a fifth of them justified and accepted — written in bulk with one history
row each, as the register's bulk paths write them. Then, for every school of the institute and
the whole year, it times `interop.attendance_export` writing CSV, JSON and XLSX to a counting
sink (nothing kept), then the incremental export after a hundredth of the events changed:

* wall and CPU time of this process (PostgreSQL's own work runs in its server processes),
* rows and bytes written,
* resident memory before and after (it tracks the peak: the allocator keeps freed pages), and
  the same export of a tenth of the year, so "flat" is a comparison, not a claim.

Run from the project root:
    .venv/bin/python -m bench.attendance_export [--events 100000] [--students 1500]
        [--database postgresql|sqlite]

`BENCH_EXPORT_DATABASE_URL` overrides the PostgreSQL database (dropped and recreated).
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from bench.council import configure
from bench.isolated import database_drop
from bench.letters import print_machine, rss_mib

PG_URL = os.environ.get(
    "BENCH_EXPORT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/campanella_bench_export"
)
TARGET_SECONDS = 30.0
JUSTIFIED_SHARE = 0.2


def seed(students: int, events: int, rng: random.Random) -> int:
    """The institute, then `events` attendance events with their history. Returns how many."""
    from django.core.management import call_command
    from django.db import transaction

    from campanella.audit.services import changes_record_created
    from campanella.people.models import Enrollment, Staff
    from campanella.register.models import (
        Absence,
        EarlyExit,
        Justification,
        JustificationKind,
        JustificationStatus,
        LateEntry,
    )
    from campanella.school.models import HourSlot, SchoolYear
    from campanella.school.selectors import school_days

    started = time.perf_counter()
    call_command("seed", students=students, seed=1, stdout=open(os.devnull, "w"))  # noqa: SIM115
    office = Staff.objects.select_related("user").filter(is_office=True).first()
    assert office is not None
    assert office.user is not None
    user, institute_id = office.user, office.institute_id
    year = SchoolYear.objects.get(institute_id=institute_id)
    enrollments = list(
        Enrollment.objects.select_related("classroom__school").filter(school_year=year)
    )
    per_student = -(-events // len(enrollments))
    days_of: dict[int, list[datetime.date]] = {}
    slots_of: dict[int, list[Any]] = {}
    made = 0
    with transaction.atomic():
        for index, enrollment in enumerate(enrollments):
            school = enrollment.classroom.school
            if school.pk not in days_of:
                days_of[school.pk] = list(school_days(school, year.lessons_start, year.lessons_end))
                slots_of[school.pk] = list(
                    HourSlot.objects.filter(school=school).order_by("number")
                )
            slots = slots_of[school.pk]
            count = min(per_student, events - made, len(days_of[school.pk]))
            if count <= 0:
                break
            chosen = sorted(rng.sample(days_of[school.pk], count))
            rows: dict[type, list[Any]] = {Absence: [], LateEntry: [], EarlyExit: []}
            for day in chosen:
                common = {
                    "student_id": enrollment.student_id, "classroom_id": enrollment.classroom_id,
                    "date": day, "recorded_by": user,
                }  # fmt: skip
                draw = rng.random()
                if draw < 0.55:
                    rows[Absence].append(Absence(**common))
                elif draw < 0.75:
                    rows[Absence].append(Absence(**common, slot=rng.choice(slots)))
                elif draw < 0.9:
                    late = datetime.time(8, rng.choice([5, 20, 40, 55]))
                    rows[LateEntry].append(
                        LateEntry(**common, time=late, slot=slots[0], short=late.minute <= 10)
                    )
                else:
                    rows[EarlyExit].append(
                        EarlyExit(
                            **common, time=datetime.time(11, 30), slot=slots[min(3, len(slots) - 1)]
                        )
                    )
            for model, created in rows.items():
                if not created:
                    continue
                justified = [r for r in created if rng.random() < JUSTIFIED_SHARE]
                kind = {
                    Absence: JustificationKind.ABSENCE, LateEntry: JustificationKind.LATE,
                    EarlyExit: JustificationKind.EXIT,
                }[model]  # fmt: skip
                for row in justified:
                    row.justification = Justification(
                        student_id=row.student_id, kind=kind, start_date=row.date,
                        end_date=row.date, reason="Motivi di salute: visita",
                        status=JustificationStatus.ACCEPTED, submitted_by=user, decided_by=user,
                        decided_at=datetime.datetime.combine(
                            row.date, datetime.time(9), tzinfo=datetime.UTC
                        ),
                    )  # fmt: skip
                Justification.objects.bulk_create([r.justification for r in justified])
                for row in justified:
                    row.justification_id = row.justification.pk
                model.objects.bulk_create(created, batch_size=2000)
                changes_record_created(instances=created, actor=user, institute_id=institute_id)
                made += len(created)
            if index % 300 == 299:
                print(f"    … {made} eventi", flush=True)
    print(f"  dati: {made} eventi in {time.perf_counter() - started:.0f} s")
    return made


def analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":  # autovacuum may be off: plan with real counts
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


class Sink:
    """Where the file goes: counted, not kept."""

    def __init__(self) -> None:
        self.bytes = 0

    def take(self, chunks: Iterable[bytes]) -> None:
        for chunk in chunks:
            self.bytes += len(chunk)


def counted(events: Iterator[Any], seen: list[int]) -> Iterator[Any]:
    for event in events:
        seen[0] += 1
        yield event


def measure(total: int) -> bool:
    from django.contrib.auth import get_user_model
    from django.db.models import Min
    from django.utils import timezone

    from campanella.interop import attendance_export as export
    from campanella.register import services
    from campanella.register.models import Absence
    from campanella.school.models import School, SchoolYear

    year = SchoolYear.objects.get()
    schools = tuple(School.objects.values_list("pk", flat=True))
    whole = export.Selection(
        institute_id=year.institute_id, school_ids=schools, start=year.lessons_start,
        end=year.lessons_end,
    )  # fmt: skip
    first = Absence.objects.aggregate(first=Min("date"))["first"]
    tenth = export.Selection(
        institute_id=year.institute_id, school_ids=schools, start=first,
        end=first + (year.lessons_end - year.lessons_start) / 10,
    )  # fmt: skip

    def run(selection: export.Selection, file_format: str, label: str) -> float:
        seen = [0]

        def write(sink: Sink) -> None:
            events = counted(export.attendance_events(selection), seen)
            if file_format == "csv":
                sink.take(export.csv_chunks(events, selection.fields))
            elif file_format == "json":
                sink.take(export.json_chunks(events, selection.fields))
            else:
                with export.xlsx_file(events, selection.fields) as written:
                    sink.take(iter(lambda: written.read(1 << 20), b""))

        return timed(label, seen, write)

    def timed(label: str, seen: list[int], write: Callable[[Sink], None]) -> float:
        sink = Sink()
        memory = rss_mib()
        wall, cpu = time.perf_counter(), time.process_time()
        write(sink)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rows = seen[0]
        print(
            f"  {label:<36} {rows:>7} righe {wall:6.1f} s (CPU {cpu:5.1f} s) "
            f"{rows / wall if wall else 0:7.0f} righe/s {sink.bytes / 2**20:6.1f} MiB  "
            f"memoria {memory:.0f} → {rss_mib():.0f} MiB"
        )
        return wall

    print(f"Esportazione di tutte le scuole, {len(schools)} plessi ({total} eventi nell'anno):")
    tenth_wall = run(tenth, "csv", "CSV, un decimo dell'anno")
    walls = {
        fmt: run(whole, fmt, f"{fmt.upper()}, l'anno intero") for fmt in ("csv", "json", "xlsx")
    }
    # A hundredth of the events changes (cancelled by the office), then "what changed since".
    before_changes = timezone.now()
    changed = list(
        Absence.objects.filter(cancelled_at__isnull=True)
        .select_related("classroom")
        .order_by("?")[: total // 100]
    )
    teachers: dict[int, Any] = {}
    for absence in changed:  # cancelled by a teacher of the classroom, as the register allows
        if absence.classroom_id not in teachers:
            teachers[absence.classroom_id] = get_user_model().objects.filter(
                staff_profile__teachings__classroom_id=absence.classroom_id
            )[0]
        services.attendance_cancel(
            user=teachers[absence.classroom_id], record=absence, reason="Prova del benchmark"
        )
    incremental = export.Selection(
        institute_id=year.institute_id, school_ids=schools, start=year.lessons_start,
        end=year.lessons_end, since=before_changes,
    )  # fmt: skip
    walls["incremental"] = run(incremental, "csv", f"CSV, solo i {len(changed)} cambiati")
    met = all(wall < TARGET_SECONDS for wall in walls.values())
    print(
        f"Obiettivo: {total} eventi in meno di {TARGET_SECONDS:.0f} s per formato — "
        f"{'raggiunto' if met else 'NON raggiunto'} (un decimo: {tenth_wall:.1f} s)"
    )
    return met


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.attendance_export")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--students", type=int, default=1500)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print_machine()
    url = PG_URL if args.database == "postgresql" else None
    with tempfile.TemporaryDirectory() as var_dir:
        configure(url, var_dir)
        try:
            total = seed(args.students, args.events, random.Random(args.seed))
            analyze()
            met = measure(total)
        finally:
            if url:
                from django.db import connections

                connections.close_all()
                database_drop(url)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
