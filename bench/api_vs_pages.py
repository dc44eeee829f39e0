"""API reads against their pages, in one run (issue 16, item 4).

Target: with 1,500 students and a year of data on PostgreSQL, `campanella serve` with 2
workers on a 2-core machine (the load generator on the same machine), every API read of the
family and of the teacher serves at least as many requests per second as the page that shows
the same data, cycling over many different students (not one URL kept warm), p99 under
100 ms. Pairs, each side with its own login (a session cookie for the page, a Bearer token for
the API, made for the same person):

- family grades: `/api/v1/students/<id>/grades` against `/voti/alunno/<id>/`, every student,
  as one of their guardians;
- family register (absences, lessons, notes and the agenda of the coming days: one operation
  and one page): `/api/v1/students/<id>/register` against `/registro/alunno/<id>/`;
- the teacher's grade book: `/api/v1/classrooms/<c>/subjects/<s>/grades` against
  `/voti/<c>/<s>/`, every classroom and ordinary subject, as its teacher;
- "who am I": `/api/v1/me` for each of those guardians against their own profile page
  `/profilo/` (the page that shows a logged-in person who they are), with the anonymous login
  page in the same run as a second reference (it reads nothing from the database);
- a static file (`/static/campanella/campanella.css`, served by the application) as the
  ceiling of the same run.

What it does: seeds a fresh PostgreSQL database as bench.family_pages does (`campanella seed
--students N --seed 1 --history-days D --grades-per-subject G`), opens a session and issues an
API token for every guardian and teacher it needs in this process (Django's `login()` and
`accounts.services.api_token_issue`, as the login form and `POST /api/v1/auth/token` do after
the password), starts `campanella serve` with the shipped settings (grade pages and API reads
kept under the classroom's grades stamp; `--anew` computes every answer anew, `--redis` keeps
them in Redis instead of each worker's memory), checks a sample of every URL, then drives each
line with `wrk` cycling through its URLs in a seeded shuffled order, after a warm-up and after
waiting for the CPUs to be nearly idle. Any answer that is not 200 counts as an error. The
server is stopped and the database dropped at the end.

Run from the project root:
    .venv/bin/python -m bench.api_vs_pages [--pairs grades register book me]

`BENCH_API_DATABASE_URL` overrides the PostgreSQL database (dropped and recreated).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import family_pages, server
from bench.grades_pages import fetch
from bench.server import busy_since, cpu_times, wait_until_idle

PG_URL = os.environ.get(
    "BENCH_API_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/campanella_bench_api"
)
REDIS_URL = "redis://127.0.0.1:6379/6"
TARGET_P99_MS = 100.0
STATIC_PATH = "/static/campanella/campanella.css"
PAIRS = ("grades", "register", "book", "me")
LINES = {
    "static": "static CSS (ceiling)",
    "login": "login page /accedi/ (anonymous)",
    "me-page": "profile page /profilo/ (who am I)",
    "me": "API /api/v1/me",
    "grades-page": "family grades page /voti/alunno/<id>/",
    "grades-api": "API /api/v1/students/<id>/grades",
    "register-page": "family register page /registro/alunno/<id>/",
    "register-api": "API /api/v1/students/<id>/register",
    "book-page": "grade book page /voti/<c>/<s>/",
    "book-api": "API /api/v1/classrooms/<c>/subjects/<s>/grades",
}
# The page of each API line (for the ratio), and what every answer must contain.
PAGE_OF = {"me": "me-page", "grades-api": "grades-page", "register-api": "register-page",
           "book-api": "book-page"}  # fmt: skip
MARKS = {
    "static": "{",
    "login": 'name="password"',
    "me-page": 'data-testid="login-email"',
    "me": '"roles"',
    "grades-page": 'data-testid="average"',
    "grades-api": '"overall_average"',
    "register-page": 'id="lessons-title"',
    "register-api": '"events"',
    "book-page": "<table",
    "book-api": '"student_id"',
}

# Cycles through "path<TAB>header<TAB>value" lines; counts every answer that is not a 200.
WRK_SCRIPT = r"""
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
    local path, name, value = line:match("^([^\t]+)\t([^\t]*)\t?(.*)$")
    local headers = {["Host"] = "127.0.0.1"}
    if name ~= "" then headers[name] = value end
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
    '"write": %d, "timeout": %d, "non200": %d, "p50": %d, "p95": %d, "p99": %d, "max": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.timeout,
    non200, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max))
end
"""


@dataclasses.dataclass(frozen=True)
class Target:
    path: str
    header: str = ""  # "Cookie" or "Authorization"
    value: str = ""


@dataclasses.dataclass
class Result:
    line: str
    urls: int
    requests: int
    seconds: float
    p50: float
    p99: float
    max: float
    errors: int
    kib: float
    busy_before: float
    busy_during: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


# --- the people and their URLs ----------------------------------------------------------------


class Logins:
    """A session cookie and an API token per user, made once."""

    def __init__(self) -> None:
        self.cookies: dict[int, str] = {}
        self.tokens: dict[int, str] = {}

    def page(self, user: Any, path: str) -> Target:
        if user.pk not in self.cookies:
            self.cookies[user.pk] = family_pages.session_cookie(user)
        return Target(path, "Cookie", self.cookies[user.pk])

    def api(self, user: Any, path: str) -> Target:
        from campanella.accounts.services import api_token_issue

        if user.pk not in self.tokens:
            self.tokens[user.pk] = api_token_issue(user=user)[1]
        return Target(path, "Authorization", f"Bearer {self.tokens[user.pk]}")


def targets_build(rng: random.Random, pairs: list[str]) -> dict[str, list[Target]]:
    """Every enrolled student (as their first guardian), every book (as its teacher), every
    guardian for /me; each line shuffled (seeded), a page and its API in the same order."""
    from campanella.people.models import Enrollment, Guardianship, User
    from campanella.school.models import SubjectKind, Teaching, TeachingKind

    logins = Logins()
    enrolled = dict(
        Enrollment.objects.filter(exit_date__isnull=True).values_list("student_id", "classroom_id")
    )
    guardian_of: dict[int, int] = {}
    for student_id, user_id in (
        Guardianship.objects.filter(guardian__user__is_active=True, student_id__in=enrolled)
        .order_by("student_id", "pk")
        .values_list("student_id", "guardian__user_id")
    ):
        guardian_of.setdefault(student_id, user_id)
    users = User.objects.in_bulk(set(guardian_of.values()))
    students = sorted(guardian_of)
    rng.shuffle(students)
    found: dict[str, list[Target]] = {
        "static": [Target(STATIC_PATH)],
        "login": [Target("/accedi/")],
    }
    if "grades" in pairs:
        found["grades-page"] = [
            logins.page(users[guardian_of[s]], f"/voti/alunno/{s}/") for s in students
        ]
        found["grades-api"] = [
            logins.api(users[guardian_of[s]], f"/api/v1/students/{s}/grades") for s in students
        ]
    if "register" in pairs:
        found["register-page"] = [
            logins.page(users[guardian_of[s]], f"/registro/alunno/{s}/") for s in students
        ]
        found["register-api"] = [
            logins.api(users[guardian_of[s]], f"/api/v1/students/{s}/register") for s in students
        ]
    if "me" in pairs:
        guardians = sorted(users.values(), key=lambda u: u.pk)
        rng.shuffle(guardians)
        found["me-page"] = [logins.page(user, "/profilo/") for user in guardians]
        found["me"] = [logins.api(user, "/api/v1/me") for user in guardians]
    if "book" in pairs:
        teachings = list(
            Teaching.objects.filter(
                kind=TeachingKind.NORMAL, subject__kind=SubjectKind.ORDINARY,
                classroom_id__in=set(enrolled.values()), teacher__user__is_active=True,
            )
            .select_related("teacher__user")
            .order_by("classroom_id", "subject_id", "pk")
        )  # fmt: skip
        books = {(t.classroom_id, t.subject_id): t.teacher.user for t in teachings}
        keys = sorted(books)
        rng.shuffle(keys)
        found["book-page"] = [logins.page(books[c, s], f"/voti/{c}/{s}/") for c, s in keys]
        found["book-api"] = [
            logins.api(books[c, s], f"/api/v1/classrooms/{c}/subjects/{s}/grades") for c, s in keys
        ]
    return found


# --- the server and the load ------------------------------------------------------------------


def server_env(var_dir: str, args: argparse.Namespace) -> dict[str, str]:
    env = server.server_env(var_dir, PG_URL)
    if args.anew:
        env["GRADE_PAGES_SECONDS"] = "0"
    if args.redis:
        env["REDIS_URL"] = REDIS_URL
    return env


@contextmanager
def serving(var_dir: str, args: argparse.Namespace) -> Iterator[int]:
    def answers(port: int) -> bool:
        return fetch(port, "GET", "/accedi/")[0] != 0

    log = Path(var_dir, "serve.log")
    with server.campanella_serve(args.workers, server_env(var_dir, args), log, answers) as port:
        yield port


def get(port: int, target: Target) -> tuple[int, str]:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Host": "127.0.0.1"}
    if target.header:
        headers[target.header] = target.value
    try:
        connection.request("GET", target.path, None, headers)
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        connection.close()


def check(port: int, targets: dict[str, list[Target]]) -> None:
    """A sample of every line answers 200 with its own content."""
    for line, found in targets.items():
        for target in found[:10]:
            status, body = get(port, target)
            if status != 200 or MARKS[line] not in body:
                raise SystemExit(f"{target.path}: {status}\n{body[:800]}")


def wrk(port: int, listing: Path, connections: int, seconds: int, var_dir: str) -> dict[str, Any]:
    script = Path(var_dir, "cycle-headers.lua")
    script.write_text(WRK_SCRIPT)
    command = ["wrk", "--threads", "1", "--connections", str(connections), "--duration",
               f"{seconds}s", "--timeout", "10s", "--script", str(script),
               f"http://127.0.0.1:{port}", "--", str(listing)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    found = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if found is None:
        raise SystemExit(f"wrk non ha dato risultati:\n{done.stdout}\n{done.stderr}")
    return dict(json.loads(found.removeprefix("RESULT ")))


def run_line(
    port: int, line: str, targets: list[Target], args: argparse.Namespace, var_dir: str
) -> Result:
    listing = Path(var_dir, f"targets-{line}.tsv")
    listing.write_text("".join(f"{t.path}\t{t.header}\t{t.value}\n" for t in targets))
    wrk(port, listing, args.connections, args.warm, var_dir)
    busy_before = wait_until_idle(patience=args.patience)
    before = cpu_times()
    raw = wrk(port, listing, args.connections, args.duration, var_dir)
    busy_during = busy_since(before)
    errors = sum(raw[k] for k in ("connect", "read", "write", "timeout", "non200"))
    result = Result(
        line=line, urls=len(targets), requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6, p50=raw["p50"] / 1000, p99=raw["p99"] / 1000,
        max=raw["max"] / 1000, errors=errors, kib=raw["bytes"] / max(1, raw["requests"]) / 1024,
        busy_before=busy_before, busy_during=busy_during,
    )  # fmt: skip
    print(f"    {line:<14} {result.rps:7.0f} req/s  p50 {result.p50:6.1f}  p99 {result.p99:6.1f} "
          f"ms  errori {errors}", flush=True)  # fmt: skip
    return result


# --- in this process: CPU and queries of each line --------------------------------------------


def in_process(targets: dict[str, list[Target]], sample: int) -> dict[str, tuple[float, float]]:
    """Per line, the median CPU time of this process per answer (Django's test client, the
    database's own time not included: what a busy machine disturbs least) and the median
    number of queries, over `sample` different URLs each seen for the first time here."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    found: dict[str, tuple[float, float]] = {}
    for line, listed in targets.items():
        if line == "static":
            continue
        client = Client(HTTP_HOST="127.0.0.1")
        cpu: list[float] = []
        queries: list[int] = []
        chosen = [listed[i % len(listed)] for i in range(-(sample + 1), 0)]  # one URL: again
        for n, target in enumerate(chosen):
            extra: dict[str, str] = {}
            if target.header == "Cookie":
                client.cookies.load(target.value)
            elif target.header == "Authorization":
                extra["HTTP_AUTHORIZATION"] = target.value
            started = time.process_time()
            with CaptureQueriesContext(connection) as captured:
                response = client.get(target.path, **extra)  # type: ignore[arg-type]
            if response.status_code != 200:
                raise SystemExit(f"{target.path}: {response.status_code}")
            if n:  # the first loads the middleware of this client
                cpu.append((time.process_time() - started) * 1000)
                queries.append(len(captured.captured_queries))
        found[line] = (statistics.median(cpu), statistics.median(queries))
    return found


# --- the report -------------------------------------------------------------------------------


def report(
    made: list[str],
    results: list[Result],
    profile: dict[str, tuple[float, float]],
    args: argparse.Namespace,
) -> None:
    print(f"\n{server.machine(PG_URL)}, {datetime.date.today()}.")
    print("Data: " + "; ".join(made) + ".")
    kept = "every answer computed anew" if args.anew else "grade pages and API reads kept"
    store = "Redis" if args.redis else "each worker's memory"
    print(f"`campanella serve`, {args.workers} workers, {kept} ({store}); wrk, 1 thread, "
          f"{args.connections} connections, {args.duration} s per line after {args.warm} s of "
          "warm-up, cycling over every URL of the line. Latency in ms, client side.\n")  # fmt: skip
    print(
        "| line | URLs cycled | req/s | of ceiling | API / page | p50 | p99 | max | errors "
        "| KiB | CPU busy before / during |\n|---|---|---|---|---|---|---|---|---|---|---|"
    )
    by_line = {r.line: r for r in results}
    ceiling = by_line["static"].rps if "static" in by_line else 0.0
    for r in results:
        page = by_line.get(PAGE_OF.get(r.line, ""))
        ratio = f"{r.rps / page.rps:.2f}" if page else ""
        share = f"{r.rps / ceiling:.2f}" if ceiling else ""
        print(f"| {LINES[r.line]} | {r.urls:,} | {r.rps:.0f} | {share} | {ratio} | "
              f"{r.p50:.1f} | {r.p99:.1f} | {r.max:.0f} | {r.errors} | {r.kib:.1f} | "
              f"{r.busy_before:.0%} / {r.busy_during:.0%} |")  # fmt: skip
    verdicts = []
    for api_line, page_line in PAGE_OF.items():
        api, page = by_line.get(api_line), by_line.get(page_line)
        if api is None or page is None:
            continue
        met = api.rps >= page.rps and api.p99 < TARGET_P99_MS and not api.errors
        verdicts.append(f"{api_line}: {'yes' if met else 'NO'}")
    print("\nAPI ≥ its page, p99 < 100 ms, no errors: " + ", ".join(verdicts) + ".")
    print("\n| line | in-process CPU per answer (median) | queries (median) |\n|---|---|---|")
    for line, (cpu_ms, queries) in profile.items():
        print(f"| {LINES[line]} | {cpu_ms:.1f} ms | {queries:.0f} |")


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.api_vs_pages",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--students", type=int, default=1500)
    parser.add_argument("--history-days", type=int, default=200, help="school days of register")
    parser.add_argument("--per-subject", type=int, default=10, help="grades per student, subject")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pairs", nargs="+", default=list(PAIRS), choices=PAIRS)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--duration", type=int, default=15, help="seconds per measurement")
    parser.add_argument("--warm", type=int, default=3, help="seconds of warm-up per line")
    parser.add_argument("--seed", type=int, default=1, help="order of the URLs")
    parser.add_argument(
        "--patience", type=float, default=30, help="seconds to wait for idle CPUs before a line"
    )
    parser.add_argument("--sample", type=int, default=30, help="URLs per line in this process")
    parser.add_argument("--anew", action="store_true", help="nothing kept: GRADE_PAGES_SECONDS=0")
    parser.add_argument("--redis", action="store_true", help=f"the cache in {REDIS_URL}")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("Serve wrk: apt-get install -y wrk")
    family_pages.PG_URL = PG_URL  # its seeding and database helpers, on this database
    with tempfile.TemporaryDirectory() as var_dir:
        seed_args = argparse.Namespace(
            students=args.students, history_days=args.history_days,
            per_subject=args.per_subject, keep=not args.anew,
        )  # fmt: skip
        try:
            made = family_pages.seed(seed_args, var_dir)
            os.environ.update(server_env(var_dir, args))
            for line in made:
                print(f"  {line}", flush=True)
            targets = targets_build(random.Random(args.seed), args.pairs)
            order = ["static", "login", *[x for x in LINES if x in targets and x not in
                                          ("static", "login")]]  # fmt: skip
            results: list[Result] = []
            with serving(var_dir, args) as port:
                check(port, targets)
                for line in order:
                    results.append(run_line(port, line, targets[line], args, var_dir))
            profile = in_process(targets, args.sample)
        finally:
            family_pages.database_drop()
    report(made, results, profile, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
