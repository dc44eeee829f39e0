"""Attendance events in from the back-office (issue 15: "100,000 attendance events … in
(preview + apply) in under 30 s … on PostgreSQL, memory flat (streamed, not loaded whole); a
re-run of the same input in under 15 s with zero writes").

What it does: `campanella seed --students N` into a PostgreSQL database of its own, its school
year moved back 52 weeks (so that the whole year of lessons is in the past: an import refuses
future days), then, for each size (`--sizes`, by default 25,000 and 100,000 events), in a
fresh copy of that database (`CREATE DATABASE … TEMPLATE`) and a fresh process (so that its
peak memory is its own):

* a CSV in the exchange format (docs/interop-format.md) with that many events over the year's
  lesson days — whole-day absences, hour absences, late entries (short or not, as the
  institute counts them), early exits, a fifth of them justified with who and when;
* **preview**: `sync_jobs.range_upload` (the office's upload for all schools and the year:
  the file kept as a batch with its preview, as the range form's view does) then
  `sync_jobs.range_preview` (the page the office reads);
* **apply**: `sync_jobs.job_start` (which previews again, as the page's button does) and the
  worker's `job_run` in this process — day by day, each day one transaction;
* **re-run**: the same file uploaded, previewed and applied again: every row unchanged;
* the records and history rows written by each (counted in the database), the time of each
  step, the process's peak resident memory after each (`ru_maxrss`).

Run from the project root:
    .venv/bin/python -m bench.attendance_import [--sizes 25000 100000] [--students 1500]

`BENCH_IMPORT_DATABASE_URL` names the PostgreSQL database (others are made beside it).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bench.council import configure
from bench.isolated import RESULT, database_drop
from bench.letters import print_machine

PG_URL = os.environ.get(
    "BENCH_IMPORT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/campanella_bench_import"
)
PREVIEW_AND_APPLY_SECONDS = 30.0
RERUN_SECONDS = 15.0
JUSTIFIED_SHARE = 0.2
SHIFT = datetime.timedelta(weeks=52)  # the seeded year, moved back: its days are all past


def copy_url(url: str, suffix: str) -> str:
    parsed = urlparse(url)
    return parsed._replace(path=f"{parsed.path}_{suffix}").geturl()


# --- the seeded institute (parent) ----------------------------------------------------------------


def seed(students: int) -> None:
    """The institute, its school year moved back so that every lesson day is in the past."""
    from django.core.management import call_command
    from django.db.models import F

    from campanella.people.models import Enrollment
    from campanella.school.models import Closure, SchoolYear, Term

    started = time.perf_counter()
    call_command("seed", students=students, seed=1, stdout=open(os.devnull, "w"))  # noqa: SIM115
    # Updates without signals: the write guard has nothing to guard yet (no record written).
    SchoolYear.objects.update(
        start_date=F("start_date") - SHIFT, end_date=F("end_date") - SHIFT,
        lessons_start=F("lessons_start") - SHIFT, lessons_end=F("lessons_end") - SHIFT,
    )  # fmt: skip
    Term.objects.update(start_date=F("start_date") - SHIFT, end_date=F("end_date") - SHIFT)
    Closure.objects.update(start_date=F("start_date") - SHIFT, end_date=F("end_date") - SHIFT)
    Enrollment.objects.update(entry_date=F("entry_date") - SHIFT)
    Enrollment.objects.filter(exit_date__isnull=False).update(exit_date=F("exit_date") - SHIFT)
    print(f"  istituto di {students} alunni in {time.perf_counter() - started:.0f} s", flush=True)


def clone(template_url: str, url: str) -> None:
    from psycopg import sql

    from bench import server

    name = sql.Identifier(urlparse(url).path.lstrip("/"))
    template = sql.Identifier(urlparse(template_url).path.lstrip("/"))
    with server.pg_connect(url) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(name, template))


# --- the file (child) -----------------------------------------------------------------------------


def attendance_csv(events: int, rng: random.Random) -> bytes:
    """`events` events of the institute's students over the year, at most one per student and
    day, in the exchange format."""
    from campanella.interop.columns import COLUMNS
    from campanella.interop.models import ImportKind
    from campanella.people.models import Enrollment, Staff
    from campanella.school.models import HourSlot, SchoolYear
    from campanella.school.selectors import school_days

    header = [c.name for c in COLUMNS[ImportKind.ATTENDANCE] if not c.ignored]
    year = SchoolYear.objects.select_related("institute").get()
    limit = year.institute.short_late_minutes
    teacher = Staff.objects.filter(user__isnull=False, is_office=False).select_related("user")[0]
    assert teacher.user is not None
    enrollments = list(
        Enrollment.objects.filter(school_year=year).select_related("student", "classroom__school")
    )
    days_of: dict[int, list[datetime.date]] = {}
    slots_of: dict[int, list[Any]] = {}
    per_student = -(-events // len(enrollments))
    rows: list[tuple[datetime.date, list[str]]] = []
    for enrollment in enrollments:
        school = enrollment.classroom.school
        if school.pk not in days_of:
            days_of[school.pk] = list(school_days(school, year.lessons_start, year.lessons_end))
            slots_of[school.pk] = list(HourSlot.objects.filter(school=school).order_by("number"))
        slots = slots_of[school.pk]
        count = min(per_student, events - len(rows), len(days_of[school.pk]))
        if count <= 0:
            break
        first = slots[0].start_time
        for day in rng.sample(days_of[school.pk], count):
            row = dict.fromkeys(header, "")
            row.update(codice_fiscale=enrollment.student.codice_fiscale, data=f"{day:%d/%m/%Y}")
            draw = rng.random()
            if draw < 0.55:
                row["tipo"] = "ASSENZA"
            elif draw < 0.75:
                row.update(tipo="ASSENZA", ora_lezione=str(rng.choice(slots).number))
            elif draw < 0.9:
                minutes = rng.choice([5, 20, 40, 55])
                moment = (datetime.datetime.combine(day, first) + datetime.timedelta(
                    minutes=minutes)).time()  # fmt: skip
                row.update(tipo="RITARDO_BREVE" if minutes <= limit else "RITARDO",
                           ora=f"{moment:%H:%M}")  # fmt: skip
            else:
                row.update(tipo="USCITA", ora=f"{slots[min(3, len(slots) - 1)].start_time:%H:%M}")
            if rng.random() < JUSTIFIED_SHARE:
                when = day + datetime.timedelta(days=rng.choice([0, 1, 3]))
                row.update(
                    giustificata="sì", giustificata_il=f"{min(when, year.lessons_end):%d/%m/%Y}",
                    giustificata_da=teacher.user.username, motivo_codice="SALUTE",
                    motivo="Visita medica",
                )  # fmt: skip
            rows.append((day, [row[name] for name in header]))
    rows.sort(key=lambda pair: pair[0])  # as a back-office exports them: by day
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(row for _day, row in rows)
    return buffer.getvalue().encode()


# --- the measure (child) --------------------------------------------------------------------------


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def database_cpu() -> float | None:
    """The CPU time (user + system, seconds) of the PostgreSQL backend serving this process's
    connection, read from /proc: the database's share of the work (None when the database is
    not on this machine or not PostgreSQL)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def written_now() -> dict[str, int]:
    """Records and history rows, and the latest of each: what any write would change."""
    from django.db.models import Max

    from campanella.audit.models import Change
    from campanella.register.models import Absence, EarlyExit, Justification, LateEntry

    counts: dict[str, int] = {}
    for model in (Absence, LateEntry, EarlyExit, Justification, Change):
        name = model.__name__.lower()
        counts[name] = model.objects.count()
        counts[f"{name}_max_id"] = model.objects.aggregate(top=Max("pk"))["top"] or 0
    return counts


def difference(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {key: after[key] - before[key] for key in before if not key.endswith("_max_id")} | {
        "id_changes": sum(
            1 for key in before if key.endswith("_max_id") and before[key] != after[key]
        )
    }


def one_import(content: bytes, label: str) -> dict[str, Any]:

    from campanella.interop import sync_jobs
    from campanella.people.models import Staff
    from campanella.school.models import School, SchoolYear

    office = Staff.objects.select_related("user").filter(is_office=True, user__isnull=False)[0]
    assert office.user is not None
    year = SchoolYear.objects.get()
    schools = set(School.objects.values_list("pk", flat=True))
    before = written_now()
    cpu = time.process_time()
    database = database_cpu()
    started = time.perf_counter()
    batch, _plan = sync_jobs.range_upload(
        institute_id=office.institute_id, user=office.user, file_name="assenze.csv",
        content=content, school_ids=schools, start=year.lessons_start, end=year.lessons_end,
    )  # fmt: skip
    uploaded = time.perf_counter() - started
    ranged = sync_jobs.range_preview(
        batch=batch, school_ids=schools, start=year.lessons_start, end=year.lessons_end,
        user=office.user,
    )  # fmt: skip
    previewed = time.perf_counter() - started
    preview_cpu = time.process_time() - cpu
    preview_peak = peak_mib()
    assert ranged.ok, ranged.sorted_problems()[:5]
    job = sync_jobs.job_start(
        batch=batch, user=office.user, school_ids=schools, start=year.lessons_start,
        end=year.lessons_end,
    )  # fmt: skip
    queued = time.perf_counter() - started
    done = sync_jobs.job_run(job.pk)
    assert done is not None
    assert done.status == "completato", done.log[-3:]
    applied = time.perf_counter() - started
    total_cpu = time.process_time() - cpu
    database_after = database_cpu()
    database_s = None if database is None or database_after is None else database_after - database
    result = {
        "label": label,
        "rows": ranged.summary()["rows"],
        "counts": ranged.counts(),
        "upload_s": round(uploaded, 2),
        "preview_s": round(previewed, 2),
        "job_start_s": round(queued - previewed, 2),
        "job_run_s": round(applied - queued, 2),
        "total_s": round(applied, 2),
        "preview_cpu_s": round(preview_cpu, 2),
        "total_cpu_s": round(total_cpu, 2),
        "database_cpu_s": None if database_s is None else round(database_s, 2),
        "peak_preview_mib": round(preview_peak),
        "peak_mib": round(peak_mib()),
        "job": {"days": done.days_done, "written": done.written, "status": done.status},
        "writes": difference(before, written_now()),
    }
    database_text = "—" if database_s is None else f"{database_s:.1f} s"
    print(
        f"    {label}: anteprima {previewed:.1f} s (caricamento {uploaded:.1f} s), "
        f"avvio {queued - previewed:.1f} s, lavoro {applied - queued:.1f} s — totale "
        f"{applied:.1f} s (CPU di questo processo: anteprima {preview_cpu:.1f} s, totale "
        f"{total_cpu:.1f} s; CPU di PostgreSQL {database_text}); memoria massima "
        f"{peak_mib():.0f} MiB; scritti {result['writes']}",
        flush=True,
    )
    return result


def child(url: str, events: int, seed_value: int) -> int:
    with tempfile.TemporaryDirectory() as var_dir:
        os.environ.update(
            SECRET_KEY="bench-" + "x" * 44, CAMPANELLA_VAR_DIR=var_dir, DEBUG="0",
            ALLOWED_HOSTS="testserver", STATIC_MANIFEST="0", DATABASE_URL=url,
            DJANGO_SETTINGS_MODULE="campanella.settings",
        )  # fmt: skip
        import django

        django.setup()
        started_peak = peak_mib()
        content = attendance_csv(events, random.Random(seed_value))
        base_peak = peak_mib()
        print(
            f"  {events} eventi: file CSV di {len(content) / 2**20:.1f} MiB "
            f"(memoria {started_peak:.0f} → {base_peak:.0f} MiB con il file)",
            flush=True,
        )
        first = one_import(content, "prima importazione")
        again = one_import(content, "stesso file di nuovo")
        print(RESULT + json.dumps({"events": events, "base_peak_mib": round(base_peak),
                                   "first": first, "again": again}))  # fmt: skip
    return 0


# --- the parent -----------------------------------------------------------------------------------


def run_child(url: str, events: int, seed_value: int) -> dict[str, Any]:
    project = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(project / "src"), str(project)])}
    command = [sys.executable, "-m", "bench.attendance_import", "--child", url,
               "--sizes", str(events), "--seed", str(seed_value)]  # fmt: skip
    result: dict[str, Any] = {}
    with subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.PIPE, text=True) as p:
        assert p.stdout is not None
        for line in p.stdout:
            if line.startswith(RESULT):
                result = json.loads(line[len(RESULT) :])
            else:
                print(line, end="", flush=True)
    if p.returncode != 0 or not result:
        raise SystemExit(f"il processo per {events} eventi è fallito ({p.returncode})")
    return result


def report(results: list[dict[str, Any]]) -> bool:
    print("\nEventi   anteprima  applicazione  totale   di nuovo  scritture di nuovo  memoria max")
    met = True
    for result in results:
        first, again = result["first"], result["again"]
        apply_s = first["job_start_s"] + first["job_run_s"]
        rerun_writes = sum(v for k, v in again["writes"].items())
        print(
            f"{result['events']:>7} {first['preview_s']:>9.1f} s {apply_s:>10.1f} s "
            f"{first['total_s']:>6.1f} s {again['total_s']:>7.1f} s {rerun_writes:>12} "
            f"{max(first['peak_mib'], again['peak_mib']):>11} MiB"
        )
        if result["events"] >= 100_000:
            met = met and first["total_s"] < PREVIEW_AND_APPLY_SECONDS
            met = met and again["total_s"] < RERUN_SECONDS and rerun_writes == 0
    if len(results) > 1:
        small, big = results[0], results[-1]
        print(
            f"Memoria: {small['events']} eventi {small['first']['peak_mib']} MiB, "
            f"{big['events']} eventi {big['first']['peak_mib']} MiB (file in memoria "
            f"compreso: {small['base_peak_mib']} e {big['base_peak_mib']} MiB prima di importare)"
        )
    print(
        f"Obiettivo (100.000 eventi: anteprima + applicazione < {PREVIEW_AND_APPLY_SECONDS:.0f} s, "
        f"di nuovo < {RERUN_SECONDS:.0f} s senza scritture): "
        f"{'raggiunto' if met else 'NON raggiunto'}"
    )
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.attendance_import")
    parser.add_argument("--sizes", type=int, nargs="+", default=[25_000, 100_000])
    parser.add_argument("--students", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child, args.sizes[0], args.seed)
    print_machine()
    with tempfile.TemporaryDirectory() as var_dir:
        configure(PG_URL, var_dir)
        seed(args.students)
        from django.db import connections

        connections.close_all()
        results = []
        try:
            for events in args.sizes:
                url = copy_url(PG_URL, str(events))
                clone(PG_URL, url)
                try:
                    results.append(run_child(url, events, args.seed))
                finally:
                    database_drop(url)
        finally:
            database_drop(PG_URL)
    return 0 if report(results) else 1


if __name__ == "__main__":
    sys.exit(main())
