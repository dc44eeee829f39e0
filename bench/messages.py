"""The office writing to whole classrooms' families (issue 14 item 2: one message fanned out to
one thread per family, "fast for ~30 families, and also fine for a whole school year's
classrooms").

For each database asked (SQLite in a temporary directory, PostgreSQL in a database of its own,
dropped at the end): migrates, seeds (`campanella seed --students N --seed 1`), then, as the
office, sends through `comms.messages.services.broadcast_send` a message with a PDF attached to
one first class's families, then to every classroom of the school year, `--repeat` times each
(threads, messages, attachments, participants and the history in bulk inserts). Each line gives
the wall time, the queries and the threads; then the header's unread count of messages for a
guardian (one query on a partial index), timed over 200 calls. Run from the project root:

    .venv/bin/python -m bench.messages [--students 1500] [--databases sqlite postgresql]

`BENCH_MESSAGES_DATABASE_URL` overrides the PostgreSQL database (dropped and recreated).
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import sys
import time
from typing import Any

from bench import server
from bench.isolated import child, django_on, run_each
from bench.proposals import QueryCounter

PG_URL = os.environ.get(
    "BENCH_MESSAGES_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/campanella_bench_messages"
)


def run_one(database: str, students: int, repeat: int) -> dict[str, Any]:
    with django_on(database, PG_URL):
        return publish(students, repeat)


def publish(students: int, repeat: int) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection

    from campanella.comms.messages.selectors import unread_count
    from campanella.comms.messages.services import broadcast_send
    from campanella.people.models import Guardian, Staff
    from campanella.school.models import Classroom

    call_command("migrate", verbosity=0)
    out = io.StringIO()
    started = time.perf_counter()
    call_command("seed", students=students, seed=1, stdout=out)
    seeded = out.getvalue().splitlines()[0]
    print(f"    {seeded} in {time.perf_counter() - started:.0f} s", flush=True)
    office = Staff.objects.select_related("user").filter(is_office=True).first()
    assert office is not None
    assert office.user is not None
    rooms = list(Classroom.objects.order_by("year", "section").values_list("pk", flat=True))
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    lines = []
    for label, chosen in (("one classroom", rooms[:1]), ("every classroom", rooms)):
        for n in range(repeat):
            counter = QueryCounter()
            started = time.perf_counter()
            with connection.execute_wrapper(counter):
                sent = broadcast_send(
                    user=office.user, classroom_ids=chosen, subject=f"Avviso {n + 1}",
                    body="Venerdì le lezioni potrebbero non svolgersi.",
                    files=[SimpleUploadedFile("avviso.pdf", pdf, "application/pdf")],
                )  # fmt: skip
            seconds = time.perf_counter() - started
            lines.append({"label": label, "classrooms": len(chosen), "seconds": seconds,
                          "queries": counter.count, "sql": counter.seconds,
                          "threads": sent.thread_count})  # fmt: skip
            print(f"    {label} {n + 1}: {seconds:.2f} s, {sent.thread_count:,} threads",
                  flush=True)  # fmt: skip
    guardian = Guardian.objects.filter(user__isnull=False).select_related("user").first()
    assert guardian is not None
    started = time.perf_counter()
    for _ in range(200):
        count = unread_count(guardian.user)
    per_call = (time.perf_counter() - started) / 200
    return {"seeded": seeded, "lines": lines, "unread_ms": per_call * 1000, "unread": count}


def report(results: dict[str, dict[str, Any]]) -> None:
    print(f"\n{server.machine(PG_URL)}, {datetime.date.today()}.")
    for database, result in results.items():
        print(f"\n{database}: {result['seeded']}.\n")
        print("| sent to | classrooms | wall | in SQL | queries | threads |\n"
              "|---|---|---|---|---|---|")  # fmt: skip
        for line in result["lines"]:
            print(f"| {line['label']} | {line['classrooms']} | {line['seconds']:.2f} s | "
                  f"{line['sql']:.2f} s | {line['queries']} | {line['threads']:,} |")  # fmt: skip
        print(f"\nUnread count of a guardian ({result['unread']} unread): "
              f"{result['unread_ms']:.2f} ms a call.")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.messages", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--students", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:
        return child(lambda: run_one(args.only, args.students, args.repeat))
    results = run_each(
        "bench.messages",
        args.databases,
        ["--students", str(args.students), "--repeat", str(args.repeat)],
    )
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
