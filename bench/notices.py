"""A notice to the whole institute (issue 14: "recipients created … in under 5 s").

For each database asked (SQLite in a temporary directory, PostgreSQL in a database of its own,
dropped at the end): migrates, seeds (`campanella seed --students N --seed 1`), then, as the
office, publishes `--repeat` notices to the whole institute — families, students and all the
staff, asking a consent per child — through `comms.notices.services.notice_publish` (the
audience resolved, the notice numbered, every recipient and the students they are reached
through written in bulk, the history kept). Each line gives the wall time, the queries, the
recipients and the rows written; then the header's unread count for a guardian (one query on a
partial index), timed over 200 calls. Run from the project root:

    .venv/bin/python -m bench.notices [--students 1500] [--databases sqlite postgresql]

`BENCH_NOTICES_DATABASE_URL` overrides the PostgreSQL database (dropped and recreated).
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
    "BENCH_NOTICES_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/campanella_bench_notices"
)
TARGET_SECONDS = 5.0


def run_one(database: str, students: int, repeat: int) -> dict[str, Any]:
    with django_on(database, PG_URL):
        return publish(students, repeat)


def publish(students: int, repeat: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from campanella.comms.notices.models import AudienceScope, NoticeRecipientStudent
    from campanella.comms.notices.selectors import unread_count
    from campanella.comms.notices.services import NoticeDraft, audience_of, notice_publish
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
            title=f"Uscita di fine anno {n + 1}",
            body="Tutto l'istituto al parco.",
            audience=audience_of(AudienceScope.INSTITUTE, ["famiglie", "studenti", "personale"]),
            publish_at=now,
            asks_consent=True,
            consent_deadline=now + datetime.timedelta(days=5),
            consent_per_child=True,
        )
        counter = QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            notice = notice_publish(user=office.user, draft=draft)
        seconds = time.perf_counter() - started
        through = NoticeRecipientStudent.objects.filter(notice=notice).count()
        lines.append({"seconds": seconds, "queries": counter.count, "sql": counter.seconds,
                      "recipients": notice.recipient_count, "through": through})  # fmt: skip
        print(f"    notice {n + 1}: {seconds:.2f} s, {notice.recipient_count:,} recipients",
              flush=True)  # fmt: skip
    guardian = Guardian.objects.filter(user__isnull=False).select_related("user").first()
    assert guardian is not None
    started = time.perf_counter()
    for _ in range(200):
        count = unread_count(guardian.user)
    per_call = (time.perf_counter() - started) / 200
    return {
        "seeded": seeded, "lines": lines, "unread_ms": per_call * 1000, "unread": count,
        "guardians": Guardian.objects.filter(user__isnull=False).count(),
        "staff": Staff.objects.filter(user__isnull=False).count(),
    }  # fmt: skip


def report(results: dict[str, dict[str, Any]]) -> None:
    print(f"\n{server.machine(PG_URL)}, {datetime.date.today()}.")
    for database, result in results.items():
        print(f"\n{database}: {result['seeded']} ({result['guardians']:,} guardians with a "
              f"login, {result['staff']} staff). Target: < {TARGET_SECONDS:.0f} s.\n")  # fmt: skip
        print("| notice | wall | in SQL | queries | recipients | students reached through | "
              "target |\n|---|---|---|---|---|---|---|")  # fmt: skip
        for n, line in enumerate(result["lines"], 1):
            met = "yes" if line["seconds"] < TARGET_SECONDS else "NO"
            print(f"| {n} | {line['seconds']:.2f} s | {line['sql']:.2f} s | {line['queries']} | "
                  f"{line['recipients']:,} | {line['through']:,} | {met} |")  # fmt: skip
        print(f"\nUnread count of a guardian ({result['unread']} unread): "
              f"{result['unread_ms']:.2f} ms a call.")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.notices", description=__doc__,
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
        "bench.notices",
        args.databases,
        ["--students", str(args.students), "--repeat", str(args.repeat)],
    )
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
