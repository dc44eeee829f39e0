"""Grade pages under load (issue 5): the family grades page and the teacher's grade book.

Target: with a seeded school of 1,500 students and a full year of grades (about 150,000), the
family grades page (`/voti/alunno/<student>/`) and the teacher's grade book
(`/voti/<classroom>/<subject>/`) each serve at least 300 requests/s with p99 under 100 ms on
PostgreSQL on a 2-core machine, the load generator on the same machine; a trivial page
(`/accedi/`, anonymous, and a static file) in the same run gives the ceiling, and a guardian's
`/profilo/` what any logged-in page costs before its own content.

What it does: seeds a fresh PostgreSQL database (`campanella seed --students N --seed 1`), adds
the grades with `campanella.demo.grade_history.generate_grades` (until today, `--per-subject`
per student and subject; seeded) and picks, seeded, `--guardians` guardians (one child each)
and `--teachers` teachers (one classroom and numeric subject each). Then, for each session
store (database, Redis) and each worker count: starts gunicorn (sync workers, DEBUG off), logs
every one of them in through the login form (their own session cookie), checks that each page
answers 200, and drives each page in turn with `wrk` (Debian's; `apt-get install -y wrk`)
cycling through the sessions' URLs, `--connections` connections at a time for `--duration`
seconds, after waiting for the CPUs to be nearly idle. Latency percentiles are wrk's (from
the client's send to the last byte); a non-200 answer (a redirect to the login page, say)
counts as an error. Afterwards every session logs out, and the SQL queries and in-process time
of each page are measured with Django's test client on the idle database. gunicorn is stopped
and the database dropped at the end, always.

Run from the project root:
    .venv/bin/python -m bench.grades_pages [--workers 2 3] [--sessions database redis]

A last run (`--anew-workers`, sessions in the database) keeps nothing (GRADE_PAGES_SECONDS=0):
every grade page is computed anew, as the first view after a change is; the in-process table
has the same two lines.
`BENCH_GRADES_DATABASE_URL` overrides the PostgreSQL database (dropped and recreated);
`BENCH_GRADES_REDIS_URL` the Redis database used for sessions and cache in the Redis runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import http.client
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

import psycopg
from psycopg import sql

from bench import server
from bench.server import busy_since, cpu_times, wait_until_idle

PG_URL = os.environ.get(
    "BENCH_GRADES_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/campanella_bench_grades"
)
REDIS_URL = os.environ.get("BENCH_GRADES_REDIS_URL", "redis://127.0.0.1:6379/1")
PASSWORD = "campanella-demo"  # noqa: S105 - the demo password of every seeded account
TARGET_RPS = 300.0
TARGET_P99_MS = 100.0
PAGES = ("login", "static", "profile", "family", "book")
PAGE_NAMES = {
    "login": "/accedi/ (anonymous, ceiling)",
    "static": "static CSS (ceiling)",
    "profile": "/profilo/ of a guardian (logged-in floor)",
    "family": "family grades page",
    "book": "teacher's grade book",
    "family-anew": "family grades page, computed anew",
    "book-anew": "teacher's grade book, computed anew",
}
# "database-anew": sessions in the database and nothing kept (GRADE_PAGES_SECONDS=0): what a
# page costs the first time after a change, which is every time for a page seen once.
ANEW = "database-anew"
STATIC_PATH = "/static/campanella/campanella.css"
WRK_SCRIPT = r"""
-- Cycles through "path<TAB>cookie" lines; counts every answer that is not a 200.
local threads = {}
local targets = {}
local index = 0
bad = 0

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    local path, cookie = line:match("^([^\t]+)\t?(.*)$")
    local headers = {["Host"] = "127.0.0.1"}
    if cookie ~= "" then headers["Cookie"] = cookie end
    targets[#targets + 1] = wrk.format("GET", path, headers)
  end
  index = id * 7 % #targets
end

function request()
  index = index % #targets + 1
  return targets[index]
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local non200 = 0
  for _, thread in ipairs(threads) do non200 = non200 + thread:get("bad") end
  local e = summary.errors
  io.write(string.format(
    '\nRESULT {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d, "non200": %d, "p50": %d, "p95": %d, ' ..
    '"p99": %d, "max": %d, "mean": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, non200, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
"""


@dataclasses.dataclass
class Session:
    kind: str  # "family" or "book"
    username: str
    path: str
    cookie: str = ""


@dataclasses.dataclass
class Result:
    sessions: str
    workers: int
    page: str
    connections: int
    requests: int
    seconds: float
    p50: float
    p95: float
    p99: float
    max: float
    errors: int
    kib: float  # mean answer size
    busy_before: float
    busy_during: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def target_met(self) -> bool | None:
        if self.page not in {"family", "book"}:
            return None
        return self.rps >= TARGET_RPS and self.p99 < TARGET_P99_MS and not self.errors


# --- PostgreSQL, and Django in this process ---------------------------------------------------


def pg_connect(dbname: str = "postgres") -> psycopg.Connection[Any]:
    return server.pg_connect(PG_URL, dbname)


def database_drop_sql() -> sql.Composed:
    name = sql.Identifier(urlparse(PG_URL).path.lstrip("/"))
    return sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name)


def database_recreate() -> None:
    from django.db import connections

    connections.close_all()
    name = sql.Identifier(urlparse(PG_URL).path.lstrip("/"))
    with pg_connect() as connection:
        connection.execute(database_drop_sql())
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))


def database_drop() -> None:
    from django.db import connections

    connections.close_all()
    with pg_connect() as connection:
        connection.execute(database_drop_sql())


def server_env(var_dir: str, redis: bool) -> dict[str, str]:
    return server.server_env(var_dir, PG_URL, **({"REDIS_URL": REDIS_URL} if redis else {}))


def seed(students: int, per_subject: int, var_dir: str) -> list[str]:
    """Migrate, seed and grade the working database (in this process); what was made."""
    os.environ.update(server_env(var_dir, redis=False))
    os.environ.pop("REDIS_URL", None)
    Path(var_dir, "static").mkdir(exist_ok=True)  # STATIC_MANIFEST=0 serves from the finders
    import django
    from django.core.management import call_command
    from django.utils import timezone

    django.setup()
    from campanella.demo.grade_history import generate_grades
    from campanella.school.models import SchoolYear

    database_recreate()
    call_command("migrate", verbosity=0)
    out = io.StringIO()
    call_command("seed", students=students, seed=1, stdout=out)
    year = SchoolYear.objects.get()
    until = min(timezone.localdate(), year.lessons_end)
    started = time.perf_counter()
    made = generate_grades(
        institute_id=year.institute_id, year=year, until=until, per_subject=per_subject,
        rng=random.Random(1),
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    return [
        out.getvalue().splitlines()[0],
        f"{made:,} voti ({per_subject} per alunno e materia) dal {year.lessons_start:%d/%m/%Y} "
        f"al {until:%d/%m/%Y}, generati in {elapsed:.1f} s",
    ]


def plan_build(rng: random.Random, guardians: int, teachers: int) -> list[Session]:
    """Seeded: guardians with one child each, teachers with one classroom and subject each."""
    from campanella.people.models import Guardianship
    from campanella.people.selectors import current_enrollment
    from campanella.school.models import SubjectKind, Teaching, TeachingKind

    children: dict[str, list[int]] = {}
    for username, student_id in (
        Guardianship.objects.filter(guardian__user__isnull=False, guardian__user__is_active=True)
        .order_by("guardian_id", "student_id")
        .values_list("guardian__user__username", "student_id")
    ):
        children.setdefault(username, []).append(student_id)
    from campanella.people.models import Student

    sessions: list[Session] = []
    for username in rng.sample(sorted(children), guardians):
        student_id = rng.choice(children[username])
        assert current_enrollment(Student.objects.get(pk=student_id)) is not None
        sessions.append(Session("family", username, f"/voti/alunno/{student_id}/"))
    books: dict[str, list[tuple[int, int]]] = {}
    for username, classroom_id, subject_id in (
        Teaching.objects.filter(
            kind=TeachingKind.NORMAL,
            subject__kind=SubjectKind.ORDINARY,
            teacher__user__isnull=False,
        )
        .order_by("teacher_id", "classroom_id", "subject_id")
        .values_list("teacher__user__username", "classroom_id", "subject_id")
    ):
        books.setdefault(username, []).append((classroom_id, subject_id))
    for username in rng.sample(sorted(books), teachers):
        classroom_id, subject_id = rng.choice(books[username])
        sessions.append(Session("book", username, f"/voti/{classroom_id}/{subject_id}/"))
    return sessions


def page_shapes(sessions: list[Session]) -> dict[str, tuple[float, float]]:
    """Per page: mean grades shown (current term) and mean rows (students or subjects)."""
    from django.db.models import Count

    from campanella.grades.models import Grade
    from campanella.people.models import Student
    from campanella.people.selectors import current_enrollment, enrolled_students
    from campanella.school.models import Classroom
    from campanella.school.selectors import current_term

    shapes: dict[str, tuple[list[int], list[int]]] = {"family": ([], []), "book": ([], [])}
    for session in sessions:
        numbers = [int(x) for x in session.path.strip("/").split("/") if x.isdigit()]
        if session.kind == "family":
            enrollment = current_enrollment(Student.objects.get(pk=numbers[0]))
            assert enrollment is not None
            classroom = enrollment.classroom
            grades = Grade.objects.filter(student_id=numbers[0], classroom=classroom)
            rows = grades.values("subject").annotate(n=Count("pk")).count()
        else:
            classroom = Classroom.objects.get(pk=numbers[0])
            grades = Grade.objects.filter(classroom=classroom, subject_id=numbers[1])
            rows = enrolled_students(classroom).count()
        term = current_term(classroom.school)
        if term is not None:
            grades = grades.filter(date__gte=term.start_date, date__lte=term.end_date)
        shapes[session.kind][0].append(grades.count())
        shapes[session.kind][1].append(rows)
    return {k: (statistics.mean(g), statistics.mean(r)) for k, (g, r) in shapes.items() if g}


class QueryTimer:
    """Adds up the time of the queries run through it (Django's log rounds each to a ms)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def query_profile(sessions: list[Session], per_kind: int) -> dict[str, tuple[int, float, float]]:
    """Per page: SQL queries (the most seen), median time in this process (timed without the
    query capture, whose bookkeeping costs) and median time of the SQL queries (ms)."""
    from django.test import Client, override_settings

    from campanella.people.models import User

    samples: dict[str, list[tuple[int, float, float]]] = {}
    chosen = [s for s in sessions if s.kind == "family"][:per_kind]
    chosen += [Session("profile", s.username, "/profilo/") for s in chosen]
    chosen += [s for s in sessions if s.kind == "book"][:per_kind]
    anew = [dataclasses.replace(s, kind=f"{s.kind}-anew") for s in chosen if s.kind != "profile"]
    for session in [Session("login", "", "/accedi/"), *chosen, *anew]:
        client = Client(HTTP_HOST="127.0.0.1")
        if session.username:
            client.force_login(User.objects.get(username=session.username))
        keeping = override_settings(GRADE_PAGES_SECONDS=0 if "anew" in session.kind else 3600)
        with keeping:
            samples.setdefault(session.kind, []).extend(page_samples(client, session.path))
    return {
        kind: (
            statistics.mode(q for q, _t, _s in rows),
            statistics.median(t for _q, t, _s in rows),
            statistics.median(s for _q, _t, s in rows),
        )
        for kind, rows in samples.items()
    }


def page_samples(client: Any, path: str) -> list[tuple[int, float, float]]:
    """Three (queries, ms in this process, ms of SQL) of a page after a warm-up request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)  # warm: templates, the connection, the session
    samples = []
    for _ in range(3):
        timer = QueryTimer()
        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        # Read now: the next request empties Django's query log.
        queries = len(captured.captured_queries)
        started = time.perf_counter()
        client.get(path)
        seconds = time.perf_counter() - started
        samples.append((queries, seconds * 1000, timer.seconds * 1000))
    return samples


# --- gunicorn, sessions and the load ----------------------------------------------------------


@contextmanager
def gunicorn(workers: int, var_dir: str, store: str) -> Iterator[int]:
    log = Path(var_dir, f"gunicorn-{workers}-{store}.log")

    def answers(port: int) -> bool:
        return fetch(port, "GET", "/accedi/")[0] != 0

    env = server_env(var_dir, redis=store == "redis")
    if store == ANEW:
        env["GRADE_PAGES_SECONDS"] = "0"
    with server.gunicorn(workers, env, log, answers) as port:
        yield port


def fetch(
    port: int, method: str, path: str, cookie: str = "", form: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    """One request: (status, cookies set, body); status 0 when there is no answer."""
    headers = {"Host": "127.0.0.1"}
    if cookie:
        headers["Cookie"] = cookie
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body, headers)
        response = connection.getresponse()
        jar: SimpleCookie = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        text = response.read().decode(errors="replace")
        return response.status, {k: m.value for k, m in jar.items()}, text
    except OSError:
        return 0, {}, ""
    finally:
        connection.close()


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in sorted(cookies.items()))


def log_in(port: int, session: Session) -> None:
    """Through the login form, as a browser would: the CSRF cookie first, then the POST."""
    status, cookies, _body = fetch(port, "GET", "/accedi/")
    if status != 200 or "csrftoken" not in cookies:
        raise SystemExit(f"/accedi/ risponde {status} senza csrftoken")
    form = {"csrfmiddlewaretoken": cookies["csrftoken"], "username": session.username,
            "password": PASSWORD}  # fmt: skip
    status, more, _body = fetch(port, "POST", "/accedi/", cookie_header(cookies), form)
    cookies.update(more)
    if status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"accesso di {session.username} non riuscito ({status})")
    session.cookie = cookie_header(cookies)


def log_out(port: int, session: Session) -> None:
    jar = SimpleCookie()
    jar.load(session.cookie)
    form = {"csrfmiddlewaretoken": jar["csrftoken"].value}
    fetch(port, "POST", "/esci/", session.cookie, form)
    session.cookie = ""


def in_threads(sessions: list[Session], port: int, target: Any, width: int = 8) -> None:
    """`target(port, session)` for every session, `width` at a time."""
    pending = list(sessions)
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                if not pending:
                    return
                session = pending.pop()
            target(port, session)

    threads = [threading.Thread(target=worker) for _ in range(width)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def check_pages(port: int, sessions: list[Session]) -> None:
    """Every session's page answers 200 with its own content, and without it 302 to login."""
    marks = {"family": 'data-testid="average"', "book": "<table"}  # grades listed, not empty
    for session in sessions:
        status, _cookies, body = fetch(port, "GET", session.path, session.cookie)
        if status != 200 or marks[session.kind] not in body:
            raise SystemExit(f"{session.path} ({session.username}): {status}\n{body[:500]}")
    anonymous = fetch(port, "GET", sessions[0].path)[0]
    if anonymous != 302:
        raise SystemExit(f"{sessions[0].path} senza accesso risponde {anonymous}, non 302")
    if fetch(port, "GET", STATIC_PATH)[0] != 200:
        raise SystemExit(f"{STATIC_PATH} non è servito")


def wrk(port: int, targets: Path, connections: int, seconds: int, var_dir: str) -> dict[str, Any]:
    script = Path(var_dir, "cycle.lua")
    script.write_text(WRK_SCRIPT)
    command = ["wrk", "--threads", "1", "--connections", str(connections), "--duration",
               f"{seconds}s", "--timeout", "10s", "--script", str(script),
               f"http://127.0.0.1:{port}", "--", str(targets)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk non ha dato risultati:\n{done.stdout}\n{done.stderr}")
    return dict(json.loads(line.removeprefix("RESULT ")))


def run_page(
    port: int, page: str, sessions: list[Session], args: argparse.Namespace, var_dir: str,
    label: tuple[str, int],
) -> list[Result]:  # fmt: skip
    targets = Path(var_dir, f"targets-{page}.tsv")
    if page == "login":
        lines = ["/accedi/\t"]
    elif page == "static":
        lines = [f"{STATIC_PATH}\t"]
    elif page == "profile":
        lines = [f"/profilo/\t{s.cookie}" for s in sessions if s.kind == "family"]
    else:
        lines = [f"{s.path}\t{s.cookie}" for s in sessions if s.kind == page]
    targets.write_text("\n".join(lines) + "\n")
    results = []
    for connections in args.connections:
        wrk(port, targets, connections, 2, var_dir)  # warm: every worker, every template
        busy_before = wait_until_idle()
        before = cpu_times()
        raw = wrk(port, targets, connections, args.duration, var_dir)
        busy_during = busy_since(before)
        errors = sum(raw[k] for k in ("connect", "read", "write", "timeout", "non200"))
        result = Result(
            sessions=label[0], workers=label[1], page=page, connections=connections,
            requests=raw["requests"], seconds=raw["duration_us"] / 1e6, p50=raw["p50"] / 1000,
            p95=raw["p95"] / 1000, p99=raw["p99"] / 1000, max=raw["max"] / 1000, errors=errors,
            kib=raw["bytes"] / max(1, raw["requests"]) / 1024, busy_before=busy_before,
            busy_during=busy_during,
        )  # fmt: skip
        print(f"    {page:<7} c={connections:<3} {result.rps:7.0f} req/s  p50 {result.p50:5.1f}  "
              f"p99 {result.p99:6.1f} ms  errori {errors}", flush=True)  # fmt: skip
        results.append(result)
    return results


def run_server(
    sessions: list[Session], store: str, workers: int, args: argparse.Namespace, var_dir: str
) -> list[Result]:
    results: list[Result] = []
    pages = [p for p in args.pages if p in ("family", "book")] if store == ANEW else args.pages
    with gunicorn(workers, var_dir, store) as port:
        in_threads(sessions, port, log_in)
        try:
            check_pages(port, sessions)
            for page in pages:
                results += run_page(port, page, sessions, args, var_dir, (store, workers))
        finally:
            in_threads(sessions, port, log_out)
    return results


# --- the report -------------------------------------------------------------------------------


def machine() -> str:
    return server.machine(PG_URL)


def report(
    made: list[str],
    sessions: list[Session],
    shapes: dict[str, tuple[float, float]],
    results: list[Result],
    profile: dict[str, tuple[int, float, float]],
    args: argparse.Namespace,
) -> None:
    guardians = sum(s.kind == "family" for s in sessions)
    print(f"\n{machine()}, {datetime.date.today()}.")
    print("Data: " + "; ".join(made) + ".")
    print(f"Sessions: {guardians} guardians, {len(sessions) - guardians} teachers, logged in "
          f"through the form; wrk, 1 thread, {args.duration} s per line. Latency in ms, client "
          f"side. Target for the two grade pages: ≥ {TARGET_RPS:.0f} req/s and p99 < "
          f"{TARGET_P99_MS:.0f} ms, no errors.\n")  # fmt: skip
    print("| sessions | workers | page | conn. | req/s | p50 | p95 | p99 | max | errors | KiB | "
          "CPU busy before / during | target |\n|---|---|---|---|---|---|---|---|---|---|---|---"
          "|---|")  # fmt: skip
    for r in results:
        met = {None: "", True: "yes", False: "NO"}[r.target_met]
        print(f"| {r.sessions} | {r.workers} | {PAGE_NAMES[r.page]} | {r.connections} | "
              f"{r.rps:.0f} | {r.p50:.1f} | {r.p95:.1f} | {r.p99:.1f} | {r.max:.0f} | "
              f"{r.errors} | {r.kib:.1f} | {r.busy_before:.0%} / {r.busy_during:.0%} | "
              f"{met} |")  # fmt: skip
    print("\n| page | grades shown (mean) | rows (mean) | SQL queries | in-process time, idle "
          "(median) | of which SQL |\n|---|---|---|---|---|---|")  # fmt: skip
    for kind, (queries, total_ms, sql_ms) in profile.items():
        grades, rows = shapes.get(kind.removesuffix("-anew"), (0.0, 0.0))
        print(f"| {PAGE_NAMES[kind]} | {grades:.0f} | {rows:.0f} | {queries} | "
              f"{total_ms:.1f} ms | {sql_ms:.1f} ms |")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.grades_pages",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--students", type=int, default=1500)
    parser.add_argument("--per-subject", type=int, default=10, help="grades per student, subject")
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 3], help="sync workers")
    parser.add_argument("--anew-workers", type=int, nargs="*", default=[2],
                        help="workers of the run with nothing kept (grade pages only)")  # fmt: skip
    parser.add_argument("--sessions", nargs="+", default=["database", "redis"],
                        choices=["database", "redis"], help="where sessions live")  # fmt: skip
    parser.add_argument("--pages", nargs="+", default=list(PAGES), choices=PAGES)
    parser.add_argument("--connections", type=int, nargs="+", default=[2, 8],
                        help="concurrent connections of wrk")  # fmt: skip
    parser.add_argument("--duration", type=int, default=15, help="seconds per measurement")
    parser.add_argument("--guardians", type=int, default=50)
    parser.add_argument("--teachers", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1, help="which guardians and teachers")
    parser.add_argument("--profile", type=int, default=5, help="sessions per page for SQL counts")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("Serve wrk: apt-get install -y wrk")
    if "redis" in args.sessions:
        import redis

        redis.Redis.from_url(REDIS_URL).ping()
    with tempfile.TemporaryDirectory() as var_dir:
        try:
            made = seed(args.students, args.per_subject, var_dir)
            for line in made:
                print(f"  {line}", flush=True)
            sessions = plan_build(random.Random(args.seed), args.guardians, args.teachers)
            shapes = page_shapes(sessions)
            results: list[Result] = []
            runs = [(store, w) for store in args.sessions for w in args.workers]
            for store, workers in runs + [(ANEW, w) for w in args.anew_workers]:
                print(f"  sessioni {store}, {workers} workers …", flush=True)
                results += run_server(sessions, store, workers, args, var_dir)
            profile = query_profile(sessions, args.profile)
        finally:
            database_drop()
    report(made, sessions, shapes, results, profile, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
