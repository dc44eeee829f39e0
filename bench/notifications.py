"""Notifications of a notice to the whole institute (issue 14: "recipients created and
notifications queued in under 5 s"; "the unread count on every page costs one indexed query").

For each database asked (SQLite in a temporary directory, PostgreSQL in a database of its own,
dropped at the end): migrates, seeds (`campanella seed --students N --seed 1`), then, as the
office, publishes `--repeat` notices to the whole institute (families, students, staff) with
`notice_publish`: its recipients are written in bulk and, once committed, every recipient's
notification, its e-mail/push deliveries (by role defaults) and the delivery jobs (one per
batch of 1,000, with the real database task backend) are created by `notify`. The wall time
covers the whole call, notifications included. Then the bell's unread count for a guardian,
timed over 200 calls. Run from the project root:

    .venv/bin/python -m bench.notifications [--students 1500] [--databases sqlite postgresql]

`BENCH_NOTIFICATIONS_DATABASE_URL` overrides the PostgreSQL database (dropped and recreated).
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
    "BENCH_NOTIFICATIONS_DATABASE_URL",
    "postgres://postgres@127.0.0.1:5432/campanella_bench_notifications",
)
TARGET_SECONDS = 5.0


def run_one(database: str, students: int, repeat: int) -> dict[str, Any]:
    with django_on(database, PG_URL):
        return publish(students, repeat)


def publish(students: int, repeat: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from campanella.comms.context_processors import header_counts
    from campanella.comms.notices.models import AudienceScope
    from campanella.comms.notices.services import NoticeDraft, audience_of, notice_publish
    from campanella.comms.notifications.models import Delivery, Notification
    from campanella.comms.notifications.services import BATCH, deliveries_prepare
    from campanella.people.models import Guardian, Staff

    call_command("migrate", verbosity=0)
    out = io.StringIO()
    started = time.perf_counter()
    call_command("seed", students=students, seed=1, stdout=out)
    seeded = out.getvalue().splitlines()[0]
    print(f"    {seeded} in {time.perf_counter() - started:.0f} s", flush=True)
    office = Staff.objects.select_related("user").filter(is_office=True).first()
    assert office is not None
    assert office.user is not None
    lines = []
    for n in range(repeat):
        now = timezone.now()
        draft = NoticeDraft(
            title=f"Assemblea di istituto {n + 1}",
            body="Tutto l'istituto in aula magna.",
            audience=audience_of(AudienceScope.INSTITUTE, ["famiglie", "studenti", "personale"]),
            publish_at=now,
        )
        jobs_before = DBTaskResult.objects.count()
        deliveries_before = Delivery.objects.count()
        counter = QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            notice = notice_publish(user=office.user, draft=draft)
        seconds = time.perf_counter() - started
        ids = list(
            Notification.objects.filter(key=f"notice:{notice.pk}").values_list("pk", flat=True)
        )
        started = time.perf_counter()
        for start in range(0, len(ids), BATCH):  # what the queued jobs do before sending
            deliveries_prepare(ids[start : start + BATCH])
        prepare_seconds = time.perf_counter() - started
        lines.append({
            "seconds": seconds, "queries": counter.count, "sql": counter.seconds,
            "prepare": prepare_seconds,
            "recipients": notice.recipient_count,
            "notifications": Notification.objects.filter(key=f"notice:{notice.pk}").count(),
            "deliveries": Delivery.objects.count() - deliveries_before,  # by the jobs' step
            "jobs": DBTaskResult.objects.count() - jobs_before,
        })  # fmt: skip
        print(f"    notice {n + 1}: {seconds:.2f} s, {lines[-1]['notifications']:,} "
              f"notifications, {lines[-1]['jobs']} jobs", flush=True)  # fmt: skip
    guardian = Guardian.objects.filter(user__isnull=False).select_related("user").first()
    assert guardian is not None
    started = time.perf_counter()
    for _ in range(200):
        count = header_counts(guardian.user)
    per_call = (time.perf_counter() - started) / 200
    return {"seeded": seeded, "lines": lines, "unread_ms": per_call * 1000, "unread": count}


def report(results: dict[str, dict[str, Any]]) -> None:
    print(f"\n{server.machine(PG_URL)}, {datetime.date.today()}.")
    for database, result in results.items():
        print(f"\n{database}: {result['seeded']}. Target: < {TARGET_SECONDS:.0f} s.\n")
        print("| notice | wall (publication + notifications) | in SQL | queries | recipients | "
              "notifications | jobs | target | the jobs' channels: deliveries, time |\n"
              "|---|---|---|---|---|---|---|---|---|---|")  # fmt: skip
        for n, line in enumerate(result["lines"], 1):
            met = "yes" if line["seconds"] < TARGET_SECONDS else "NO"
            print(f"| {n} | {line['seconds']:.2f} s | {line['sql']:.2f} s | {line['queries']} | "
                  f"{line['recipients']:,} | {line['notifications']:,} | {line['jobs']} | "
                  f"{met} | {line['deliveries']:,}, {line['prepare']:.2f} s |")  # fmt: skip
        print(f"\nThe header's counts of a guardian (bell, notices: {result['unread']}): "
              f"{result['unread_ms']:.2f} ms a call, one query.")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.notifications", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--students", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:
        return child(lambda: run_one(args.only, args.students, args.repeat))
    results = run_each(
        "bench.notifications",
        args.databases,
        ["--students", str(args.students), "--repeat", str(args.repeat)],
    )
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
