"""The fault test of issue 15 at full size: "the worker is killed in the middle of a
100,000-row import and restarted; the result equals a run without the kill".

What it does: `campanella seed --students N` into a PostgreSQL database of its own (the school
year moved back as in `bench.attendance_import`, so every lesson day is past), writes a file of
`--events` attendance events (the same generator), uploads it and queues its job for every
school and the whole year — then copies that database twice (`CREATE DATABASE … TEMPLATE`: the
same job queued in both):

* **calm**: a real `campanella worker` runs the job to the end;
* **killed**: a real `campanella worker` is killed (SIGKILL) once the job has done `--kill-at`
  of its days, the job is left `in_corso` with its lease; after the lease a new worker and
  `campanella sync resume` finish it.

Then it compares the two registers: every absence, late entry, early exit and justification
(by their content: student, day, hour, kind, justification…, not by id — ids drawn by the
killed transaction are lost, as sequences are) and the history rows (per record kind and
action). Exit status 0 only if they are equal and the job ran twice on the killed copy.

Run from the project root:
    .venv/bin/python -m bench.attendance_crash [--events 100000] [--students 1500]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import server
from bench.attendance_import import attendance_csv, clone, copy_url, seed
from bench.council import configure
from bench.isolated import RESULT, database_drop
from bench.letters import print_machine

PG_URL = os.environ.get(
    "BENCH_CRASH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/campanella_bench_crash"
)
CAMPANELLA = Path(sys.executable).parent / "campanella"
LEASE_SECONDS = 5
PROJECT = Path(__file__).resolve().parent.parent

# The register compared by content: no ids, no times of the run itself.
REGISTER_SQL = {
    "assenze": """
        SELECT a.student_id, a.classroom_id, a.date, a.slot_id, a.cancelled_at IS NULL,
               j.kind, j.start_date, j.end_date, j.reason, j.status
        FROM register_absence a LEFT JOIN register_justification j ON j.id = a.justification_id
        ORDER BY 1, 2, 3, 4""",
    "ritardi": """
        SELECT e.student_id, e.classroom_id, e.date, e.time, e.slot_id, e.short,
               e.cancelled_at IS NULL, j.kind, j.reason, j.status
        FROM register_lateentry e LEFT JOIN register_justification j ON j.id = e.justification_id
        ORDER BY 1, 2, 3, 4""",
    "uscite": """
        SELECT e.student_id, e.classroom_id, e.date, e.time, e.slot_id, e.picked_up_by,
               e.cancelled_at IS NULL, j.kind, j.reason, j.status
        FROM register_earlyexit e LEFT JOIN register_justification j ON j.id = e.justification_id
        ORDER BY 1, 2, 3, 4""",
    "giustificazioni": """
        SELECT student_id, kind, start_date, end_date, time, reason, in_advance, status,
               submitted_by_id, decided_by_id
        FROM register_justification ORDER BY 1, 2, 3, 4, 5, 6""",
    "storico": """
        SELECT t.app_label || '.' || t.model, c.action, count(*)
        FROM audit_change c JOIN django_content_type t ON t.id = c.content_type_id
        GROUP BY 1, 2 ORDER BY 1, 2""",
}


# --- the queued job (child process, on the template database) -------------------------------------


def queue_job(events: int, seed_value: int) -> dict[str, Any]:
    from django.utils import timezone

    from campanella.interop import sync_jobs
    from campanella.interop.models import ImportKind
    from campanella.interop.services import import_upload
    from campanella.people.models import Staff
    from campanella.school.models import School, SchoolYear

    content = attendance_csv(events, random.Random(seed_value))
    office = Staff.objects.select_related("user").filter(is_office=True, user__isnull=False)[0]
    assert office.user is not None
    year = SchoolYear.objects.get()
    schools = set(School.objects.values_list("pk", flat=True))
    batch, plan = import_upload(
        institute_id=office.institute_id, user=office.user, kind=ImportKind.ATTENDANCE,
        file_name="assenze.csv", content=content, today=timezone.localdate(),
    )  # fmt: skip
    assert plan.ok, [p.message for p in plan.problems][:5]
    job = sync_jobs.job_start(
        batch=batch, user=office.user, school_ids=schools, start=year.lessons_start,
        end=year.lessons_end,
    )  # fmt: skip
    return {"job": job.pk, "rows": job.rows_total, "days": job.days_total}


def child(url: str, events: int, seed_value: int) -> int:
    with tempfile.TemporaryDirectory() as var_dir:
        os.environ.update(server.server_env(var_dir, url))  # this database, never recreated
        import django

        django.setup()
        print(RESULT + json.dumps(queue_job(events, seed_value)), flush=True)
    return 0


# --- the workers (parent) -------------------------------------------------------------------------


def worker_env(url: str, var_dir: str) -> dict[str, str]:
    return {
        **server.server_env(var_dir, url),
        "TASKS_BACKEND": "database",
        "SYNC_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
    }


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(CAMPANELLA), "worker", "--interval", "0.2"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def job_state(url: str, job: int) -> dict[str, Any]:
    with server.pg_connect(url, dbname=url.rsplit("/", 1)[1]) as connection:
        row = connection.execute(
            "SELECT status, days_done, days_total, rows_done, runs, written "
            "FROM interop_syncjob WHERE id = %s",
            [job],
        ).fetchone()
    assert row is not None
    keys = ("status", "days_done", "days_total", "rows_done", "runs", "written")
    return dict(zip(keys, row, strict=True))


def wait(url: str, job: int, done: Any, timeout: float, poll: float = 0.5) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = job_state(url, job)
        if done(state):
            return state
        time.sleep(poll)
    raise SystemExit(f"il lavoro non è arrivato allo stato atteso: {job_state(url, job)}")


def register_of(url: str) -> dict[str, list[Any]]:
    with server.pg_connect(url, dbname=url.rsplit("/", 1)[1]) as connection:
        return {
            name: [list(map(str, row)) for row in connection.execute(query).fetchall()]
            for name, query in REGISTER_SQL.items()
        }


def calm_run(url: str, job: int, var_dir: str) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    process = start_worker(worker_env(url, var_dir))
    try:
        state = wait(url, job, lambda s: s["status"] == "completato", timeout=3600)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    return state, time.perf_counter() - started


def killed_run(url: str, job: int, var_dir: str, kill_at: float) -> dict[str, Any]:
    env = worker_env(url, var_dir)
    process = start_worker(env)
    try:
        total = job_state(url, job)["days_total"]
        wanted = max(1, int(total * kill_at))
        wait(url, job, lambda s: s["days_done"] >= wanted, timeout=3600, poll=0.01)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    stopped = job_state(url, job)
    print(f"  ucciso: {stopped}", flush=True)
    if stopped["status"] != "in_corso":
        raise SystemExit("il lavoro non era in corso quando il processo è stato ucciso")
    started = time.perf_counter()
    process = start_worker(env)
    try:
        time.sleep(LEASE_SECONDS + 1)  # the dead run's lease, then the office's command
        resumed = subprocess.run(
            [str(CAMPANELLA), "sync", "resume"], env=env, capture_output=True, text=True,
            check=True,
        )  # fmt: skip
        print(f"  sync resume: {resumed.stdout.strip()}", flush=True)
        final = wait(url, job, lambda s: s["status"] == "completato", timeout=3600)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    return {"stopped": stopped, "final": final, "resume_s": time.perf_counter() - started}


def compare(calm: dict[str, list[Any]], killed: dict[str, list[Any]]) -> bool:
    equal = True
    for name in REGISTER_SQL:
        same = calm[name] == killed[name]
        equal = equal and same
        print(f"  {name}: {len(calm[name])} righe senza uccisione, {len(killed[name])} con; "
              f"{'uguali' if same else 'DIVERSE'}")  # fmt: skip
    return equal


def run_child(url: str, events: int, seed_value: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT / "src"), str(PROJECT)])}
    command = [sys.executable, "-m", "bench.attendance_crash", "--child", url,
               "--events", str(events), "--seed", str(seed_value)]  # fmt: skip
    done = subprocess.run(
        command, cwd=PROJECT, env=env, capture_output=True, text=True, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"preparazione fallita: {done.stderr[-3000:]}")
    return dict(json.loads(lines[-1][len(RESULT) :]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.attendance_crash")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--students", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kill-at", type=float, default=0.4, help="share of days done")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child, args.events, args.seed)
    print_machine()
    calm_url, killed_url = copy_url(PG_URL, "calm"), copy_url(PG_URL, "killed")
    with tempfile.TemporaryDirectory() as var_dir:
        configure(PG_URL, var_dir)
        try:
            seed(args.students)
            from django.db import connections

            connections.close_all()
            queued = run_child(PG_URL, args.events, args.seed)
            print(f"  lavoro {queued['job']}: {queued['rows']} righe, {queued['days']} giorni",
                  flush=True)  # fmt: skip
            for url in (calm_url, killed_url):
                clone(PG_URL, url)
            calm_state, calm_s = calm_run(calm_url, queued["job"], var_dir)
            print(f"  senza uccisione: {calm_state} in {calm_s:.1f} s", flush=True)
            killed = killed_run(killed_url, queued["job"], var_dir, args.kill_at)
            print(f"  con uccisione: {killed['final']}, ripresa in {killed['resume_s']:.1f} s",
                  flush=True)  # fmt: skip
            equal = compare(register_of(calm_url), register_of(killed_url))
            final = killed["final"]
            counted = (final["rows_done"], final["written"]) == (
                calm_state["rows_done"], calm_state["written"]
            )  # fmt: skip
            ran_twice = final["runs"] == 2
        finally:
            for url in (calm_url, killed_url, PG_URL):
                database_drop(url)
    verdict = equal and counted and ran_twice
    print(f"Registro dopo l'uccisione uguale a quello senza: {'sì' if verdict else 'NO'} "
          f"(conteggi del lavoro uguali: {counted}; due esecuzioni: {ran_twice})")  # fmt: skip
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
