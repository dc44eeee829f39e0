"""The report cards of a whole 1,500-student school as one background job, with its progress
(issue 13: "the bundle of a whole 1,500-student school with progress shown throughout").

What it does: a fresh PostgreSQL database of its own (dropped at the end; `BENCH_BUNDLE_
DATABASE_URL` overrides it), `campanella seed --students N --schools 1` (one school holding
every student), every classroom's intermediate session of the first period deliberated and
locked (`bench.publication_peak.sessions_build`), then the office's school bundle
(`reportcards.services.school_bundle_create`) run by `bundle_run` — what the worker runs — in a
thread, while this process reads the bundle's row every half second as the office's status page
does (`processed`, `total`, `seconds_left()`). Reported: wall and CPU time, how many report cards
and classroom PDFs, the zip's size, resident memory before and after, and the progress as the
page showed it: the longest time the page went without news, and how far its "time left" was
from the real end at a quarter, half and three quarters of the way.

Run from the project root:
    .venv/bin/python -m bench.school_bundle [--students 1500]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import threading
import time

from bench.letters import print_machine, rss_mib

PG_URL = os.environ.get(
    "BENCH_BUNDLE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/campanella_bench_bundle"
)
POLL_SECONDS = 0.5
TARGET_QUIET_SECONDS = 5.0  # the status page refreshes every 2 s: news at least this often


def seed(students: int) -> str:
    from django.core.management import call_command

    out = io.StringIO()
    call_command("seed", students=students, schools=1, seed=1, stdout=out)
    return out.getvalue().splitlines()[0]


def run_bundle(students: int) -> bool:
    from django.db import connection

    from bench.publication_peak import office_user, sessions_build
    from campanella.reportcards.models import BundleStatus, ReportCardBundle
    from campanella.reportcards.services import bundle_run, school_bundle_create
    from campanella.school.models import School, Term

    started = time.perf_counter()
    print(f"  {seed(students)}")
    sessions = sessions_build(random.Random(1))
    print(f"  {len(sessions)} scrutini chiusi in {time.perf_counter() - started:.0f} s")
    school = School.objects.get()
    term = Term.objects.get(school=school, number=1)
    bundle = school_bundle_create(
        user=office_user(), school=school, term=term, kind=sessions[0].kind
    )
    connection.close()  # the worker thread opens its own

    memory = rss_mib()
    done = threading.Event()
    cpu_before = time.process_time()

    def worker() -> None:
        try:
            bundle_run(bundle.pk)
        finally:
            from django.db import connection as own

            own.close()
            done.set()

    wall = time.perf_counter()
    threading.Thread(target=worker, daemon=True).start()
    seen: list[tuple[float, int, int, float | None]] = []  # (at, processed, total, left)
    while not done.is_set():
        row = ReportCardBundle.objects.get(pk=bundle.pk)
        seen.append((time.perf_counter() - wall, row.processed, row.total, row.seconds_left()))
        done.wait(POLL_SECONDS)
    elapsed = time.perf_counter() - wall
    cpu = time.process_time() - cpu_before
    finished = ReportCardBundle.objects.get(pk=bundle.pk)
    size = finished.file.size if finished.file else 0

    news = [
        at
        for i, (at, processed, *_rest) in enumerate(seen)
        if i == 0 or processed != seen[i - 1][1]
    ]
    quiet = max((b - a for a, b in zip(news, [*news[1:], elapsed], strict=True)), default=elapsed)
    print(
        f"  pacchetto della scuola: {finished.get_status_display()}, {finished.processed}/"
        f"{finished.total} passi ({len(sessions)} PDF di classe + ogni pagella), "
        f"{elapsed:.1f} s (CPU {cpu:.1f} s), zip {size / 2**20:.1f} MiB, "
        f"memoria {memory:.0f} → {rss_mib():.0f} MiB"
    )
    total = max(finished.total, 1)
    for share in (0.25, 0.5, 0.75):
        at, processed, _total, left = next((s for s in seen if s[1] >= share * total), seen[-1])
        real = elapsed - at
        shown = "—" if left is None else f"{left:.0f} s"
        print(
            f"  al {share:.0%} ({processed} passi, dopo {at:.0f} s): tempo rimasto mostrato "
            f"{shown}, reale {real:.0f} s"
        )
    met = finished.status == BundleStatus.DONE and quiet <= TARGET_QUIET_SECONDS
    print(
        f"  la pagina ha avuto notizie almeno ogni {quiet:.1f} s "
        f"(obiettivo: {TARGET_QUIET_SECONDS:.0f} s) — {'raggiunto' if met else 'NON raggiunto'}"
    )
    return met


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.school_bundle")
    parser.add_argument("--students", type=int, default=1500)
    args = parser.parse_args()
    print_machine()
    from bench.council import configure
    from bench.isolated import database_drop

    with tempfile.TemporaryDirectory() as var_dir:
        configure(PG_URL, var_dir)
        try:
            met = run_bundle(args.students)
        finally:
            database_drop(PG_URL)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
