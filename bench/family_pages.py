"""The pages families open most, when every family opens its own (issue 11, item 15).

Target: with 1,500 students and a term of register data and grades on PostgreSQL, served by
`campanella serve` with 2 workers on a 2-core machine (the load generator on the same
machine), each of these pages serves at least 300 requests/s with p99 under 100 ms while the
benchmark cycles over ALL students (all guardians for the home) and every page is computed
anew (nothing kept from an earlier view: GRADE_PAGES_SECONDS=0, the first view after a
change being what a peak costs):

- the family register page `/registro/alunno/<id>/` (the last 30 days: absences, lateness,
  topics, notes, justifications), every student, as the principal;
- a guardian's home `/`, every guardian with a child enrolled, each with their own session;
- the family grades page `/voti/alunno/<id>/`, every student, as the principal;
- the teacher's grade book `/voti/<classroom>/<subject>/`, every classroom and ordinary
  subject, as the principal.

The anonymous login page `/accedi/` in the same run gives the ceiling. Queries per page are
counted in this process with Django's test client for the students (or guardians, or books)
with the fewest and the most records: they must be the same number.

What it does: seeds a fresh PostgreSQL database (`campanella seed --students N --seed 1
--history-days D --grades-per-subject G`), opens one session per guardian and one for the
principal in this process (Django's own `login()`, as the login form does after the password:
argon2 for 2,600 logins would take minutes and measure nothing of the pages), starts
`campanella serve`, checks a sample of every page, then drives each page with `wrk`
(`apt-get install -y wrk`) cycling through its URLs in a seeded shuffled order, after a 2 s
warm-up and after waiting for the CPUs to be nearly idle. Latencies are wrk's; any answer
that is not 200 counts as an error. The server is stopped and the database dropped at the end.

Run from the project root:
    .venv/bin/python -m bench.family_pages [--pages login register home grades book]

`BENCH_FAMILY_DATABASE_URL` overrides the PostgreSQL database (dropped and recreated);
`--keep` runs with the shipped GRADE_PAGES_SECONDS instead (grade pages kept under a stamp).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import io
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from psycopg import sql

from bench import server
from bench.grades_pages import fetch, wrk
from bench.server import busy_since, cpu_times, wait_until_idle

PG_URL = os.environ.get(
    "BENCH_FAMILY_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/campanella_bench_family"
)
TARGET_RPS = 300.0
TARGET_P99_MS = 100.0
PAGES = ("login", "register", "home", "grades", "book")
PAGE_NAMES = {
    "login": "/accedi/ (anonymous, ceiling)",
    "register": "family register page /registro/alunno/<id>/",
    "home": "guardian's home /",
    "grades": "family grades page /voti/alunno/<id>/",
    "book": "grade book /voti/<classe>/<materia>/",
}
# What the page must show to count as itself (not an empty page or an error in the look).
MARKS = {
    "login": 'name="password"',
    "register": 'id="lessons-title"',
    "home": 'data-testid="guardian-home"',
    "grades": 'data-testid="average"',
    "book": "<table",
}


@dataclasses.dataclass
class Target:
    page: str
    path: str
    cookie: str
    records: int  # what the page lists (events, grades, rows): for the query check


@dataclasses.dataclass
class Result:
    page: str
    connections: int
    urls: int
    requests: int
    seconds: float
    p50: float
    p95: float
    p99: float
    max: float
    errors: int
    kib: float
    busy_before: float
    busy_during: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def target_met(self) -> bool | None:
        if self.page == "login":
            return None
        return self.rps >= TARGET_RPS and self.p99 < TARGET_P99_MS and not self.errors


# --- the data ---------------------------------------------------------------------------------


def server_env(var_dir: str, keep: bool) -> dict[str, str]:
    env = server.server_env(var_dir, PG_URL)
    if not keep:
        env["GRADE_PAGES_SECONDS"] = "0"
    return env


def database_recreate() -> None:
    from django.db import connections

    connections.close_all()
    name = sql.Identifier(urlparse(PG_URL).path.lstrip("/"))
    with server.pg_connect(PG_URL) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))


def database_drop() -> None:
    from django.db import connections

    connections.close_all()
    name = sql.Identifier(urlparse(PG_URL).path.lstrip("/"))
    with server.pg_connect(PG_URL) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def seed(args: argparse.Namespace, var_dir: str) -> list[str]:
    """Migrate and seed the database in this process (Django set up on the server's settings,
    so the sessions made here are the server's); what was made."""
    os.environ.update(server_env(var_dir, args.keep))
    Path(var_dir, "static").mkdir(exist_ok=True)
    import django
    from django.core.management import call_command

    django.setup()
    from campanella.grades.models import Grade
    from campanella.register.models import Absence, DisciplinaryNote, LateEntry, Lesson

    database_recreate()
    call_command("migrate", verbosity=0)
    out = io.StringIO()
    started = time.perf_counter()
    call_command(
        "seed", students=args.students, seed=1, history_days=args.history_days,
        grades_per_subject=args.per_subject, stdout=out,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    return [
        out.getvalue().splitlines()[0],
        f"{args.history_days} school days of register ({Lesson.objects.count():,} lessons, "
        f"{Absence.objects.count():,} absences, {LateEntry.objects.count():,} late entries, "
        f"{DisciplinaryNote.objects.count():,} notes), {Grade.objects.count():,} grades "
        f"({args.per_subject} per student and subject); seeded in {elapsed:.0f} s",
    ]


def session_cookie(user: Any) -> str:
    """A session of `user` in the server's session store, as a login makes it."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user, backend="campanella.accounts.backends.UsernameOrEmailBackend")
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def targets_build(rng: random.Random) -> dict[str, list[Target]]:
    """Every student, every guardian with a child enrolled, every book; shuffled (seeded)."""
    from django.db.models import Count

    from campanella.grades.models import Grade
    from campanella.people.models import Enrollment, Guardianship, Staff, User
    from campanella.register.models import Absence
    from campanella.school.models import SubjectKind, Teaching, TeachingKind

    principal = Staff.objects.filter(is_principal=True, user__is_active=True).first()
    if principal is None or principal.user is None:
        raise SystemExit("Nessun dirigente con un accesso nei dati generati")
    boss = session_cookie(principal.user)
    today = datetime.date.today()
    enrolled = dict(
        Enrollment.objects.filter(exit_date__isnull=True).values_list("student_id", "classroom_id")
    )
    absences = dict(
        Absence.objects.filter(date__gte=today - datetime.timedelta(days=30))
        .values("student_id")
        .annotate(n=Count("pk"))
        .values_list("student_id", "n")
    )
    grades = dict(
        Grade.objects.values("student_id").annotate(n=Count("pk")).values_list("student_id", "n")
    )
    book_grades = {
        (c, s): n
        for c, s, n in Grade.objects.values("classroom_id", "subject_id")
        .annotate(n=Count("pk"))
        .values_list("classroom_id", "subject_id", "n")
    }
    students = sorted(enrolled)
    found: dict[str, list[Target]] = {
        "login": [Target("login", "/accedi/", "", 0)],
        "register": [
            Target("register", f"/registro/alunno/{s}/", boss, absences.get(s, 0)) for s in students
        ],
        "grades": [
            Target("grades", f"/voti/alunno/{s}/", boss, grades.get(s, 0)) for s in students
        ],
    }
    books = (
        Teaching.objects.filter(kind=TeachingKind.NORMAL, subject__kind=SubjectKind.ORDINARY)
        .filter(classroom_id__in=set(enrolled.values()))
        .order_by("classroom_id", "subject_id")
        .values_list("classroom_id", "subject_id")
        .distinct()
    )
    found["book"] = [
        Target("book", f"/voti/{c}/{s}/", boss, book_grades.get((c, s), 0)) for c, s in books
    ]
    children: dict[int, int] = {}
    for user_id in Guardianship.objects.filter(
        guardian__user__is_active=True, student_id__in=students
    ).values_list("guardian__user_id", flat=True):
        children[user_id] = children.get(user_id, 0) + 1
    users = User.objects.filter(pk__in=children).order_by("pk")
    found["home"] = [Target("home", "/", session_cookie(u), children[u.pk]) for u in users]
    for page in found.values():
        rng.shuffle(page)
    return found


# --- in this process: queries and time of each page -------------------------------------------


def query_profile(targets: dict[str, list[Target]], pages: list[str]) -> dict[str, list[Any]]:
    """Per page, for the targets with the fewest and the most records: (records, queries), and
    the median CPU time of this process over a sample (the database's own time not included)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    found: dict[str, list[Any]] = {}
    for page in pages:
        ordered = sorted(targets[page], key=lambda t: t.records)
        extremes = [ordered[0], ordered[-1]]
        counts = []
        client = Client(HTTP_HOST="127.0.0.1")
        for target in extremes:
            client.cookies.load(target.cookie) if target.cookie else None
            client.get(target.path)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(target.path)
            assert response.status_code == 200, (target.path, response.status_code)
            counts.append((target.records, len(captured.captured_queries)))
        cpu = []
        for target in targets[page][:30]:
            if target.cookie:
                client.cookies.load(target.cookie)
            started = time.process_time()
            client.get(target.path)
            cpu.append((time.process_time() - started) * 1000)
        found[page] = [counts, statistics.median(cpu)]
    return found


# --- the server and the load ------------------------------------------------------------------


@contextmanager
def serving(workers: int, var_dir: str, keep: bool) -> Iterator[int]:
    def answers(port: int) -> bool:
        return fetch(port, "GET", "/accedi/")[0] != 0

    log = Path(var_dir, "serve.log")
    with server.campanella_serve(workers, server_env(var_dir, keep), log, answers) as port:
        yield port


def check(port: int, targets: dict[str, list[Target]], pages: list[str]) -> None:
    """A sample of every page answers 200 with its own content; without a session, a login."""
    for page in pages:
        for target in targets[page][:10]:
            status, _cookies, body = fetch(port, "GET", target.path, target.cookie)
            if status != 200 or MARKS[page] not in body:
                raise SystemExit(f"{target.path}: {status}\n{body[:800]}")
    if fetch(port, "GET", targets["register"][0].path)[0] != 302:
        raise SystemExit("senza accesso la pagina del registro non rimanda all'accesso")


def run_page(
    port: int, page: str, targets: list[Target], args: argparse.Namespace, var_dir: str
) -> list[Result]:
    listing = Path(var_dir, f"targets-{page}.tsv")
    listing.write_text("".join(f"{t.path}\t{t.cookie}\n" for t in targets))
    results = []
    for connections in args.connections:
        wrk(port, listing, connections, 2, var_dir)  # warm: every worker, every template
        busy_before = wait_until_idle(patience=60)
        before = cpu_times()
        raw = wrk(port, listing, connections, args.duration, var_dir)
        busy_during = busy_since(before)
        errors = sum(raw[k] for k in ("connect", "read", "write", "timeout", "non200"))
        result = Result(
            page=page, connections=connections, urls=len(targets), requests=raw["requests"],
            seconds=raw["duration_us"] / 1e6, p50=raw["p50"] / 1000, p95=raw["p95"] / 1000,
            p99=raw["p99"] / 1000, max=raw["max"] / 1000, errors=errors,
            kib=raw["bytes"] / max(1, raw["requests"]) / 1024, busy_before=busy_before,
            busy_during=busy_during,
        )  # fmt: skip
        print(f"    {page:<8} c={connections:<3} {result.rps:7.0f} req/s  p50 {result.p50:6.1f}  "
              f"p99 {result.p99:6.1f} ms  errori {errors}", flush=True)  # fmt: skip
        results.append(result)
    return results


# --- the report -------------------------------------------------------------------------------


def report(
    made: list[str], results: list[Result], profile: dict[str, list[Any]], args: argparse.Namespace
) -> None:
    print(f"\n{server.machine(PG_URL)}, {datetime.date.today()}.")
    print("Data: " + "; ".join(made) + ".")
    kept = "grade pages kept under their stamp" if args.keep else "every page computed anew"
    print(f"`campanella serve`, {args.workers} workers, sessions in the database, {kept}; wrk, "
          f"1 thread, {args.duration} s per line, cycling over every URL. Latency in ms, client "
          f"side. Target: ≥ {TARGET_RPS:.0f} req/s and p99 < {TARGET_P99_MS:.0f} ms, no "
          "errors.\n")  # fmt: skip
    print("| page | URLs cycled | conn. | req/s | of ceiling | p50 | p95 | p99 | max | errors | "
          "KiB | CPU busy before / during | target |\n|---|---|---|---|---|---|---|---|---|---|"
          "---|---|---|")  # fmt: skip
    ceiling = {r.connections: r.rps for r in results if r.page == "login"}
    for r in results:
        met = {None: "", True: "yes", False: "NO"}[r.target_met]
        share = r.rps / ceiling[r.connections] if r.connections in ceiling else 0.0
        print(f"| {PAGE_NAMES[r.page]} | {r.urls:,} | {r.connections} | {r.rps:.0f} | "
              f"{share:.2f} | {r.p50:.1f} | {r.p95:.1f} | {r.p99:.1f} | {r.max:.0f} | "
              f"{r.errors} | {r.kib:.1f} | {r.busy_before:.0%} / {r.busy_during:.0%} | "
              f"{met} |")  # fmt: skip
    print("\n| page | records (fewest → most) | SQL queries | in-process CPU (median) |\n"
          "|---|---|---|---|")  # fmt: skip
    for page, (counts, cpu_ms) in profile.items():
        (few, q_few), (many, q_many) = counts
        print(f"| {PAGE_NAMES[page]} | {few} → {many} | {q_few} → {q_many} | {cpu_ms:.1f} ms |")


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.family_pages",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--students", type=int, default=1500)
    parser.add_argument("--history-days", type=int, default=60, help="school days of register")
    parser.add_argument("--per-subject", type=int, default=10, help="grades per student, subject")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pages", nargs="+", default=list(PAGES), choices=PAGES)
    parser.add_argument("--connections", type=int, nargs="+", default=[8])
    parser.add_argument("--duration", type=int, default=15, help="seconds per measurement")
    parser.add_argument("--seed", type=int, default=1, help="order of the URLs")
    parser.add_argument("--keep", action="store_true", help="grade pages kept (shipped setting)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("Serve wrk: apt-get install -y wrk")
    pages = ["login", *[p for p in args.pages if p != "login"]]
    with tempfile.TemporaryDirectory() as var_dir:
        try:
            made = seed(args, var_dir)
            for line in made:
                print(f"  {line}", flush=True)
            targets = targets_build(random.Random(args.seed))
            results: list[Result] = []
            with serving(args.workers, var_dir, args.keep) as port:
                check(port, targets, pages)
                for page in pages:
                    results += run_page(port, page, targets[page], args, var_dir)
            profile = query_profile(targets, [p for p in pages if p != "login"])
        finally:
            database_drop()
    report(made, results, profile, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
