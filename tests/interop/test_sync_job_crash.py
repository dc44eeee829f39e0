"""The fault test of issue 15: a real `campanella worker` is killed (SIGKILL) in the middle of a
background attendance import and started again; `campanella sync resume` queues the job once
its lease has expired, and the import ends with the register exactly as an uninterrupted run
leaves it — no day doubled, none lost.

Two databases made identical (the second a template copy of the first, job queued in both):
the first imports without interruption, the second is killed mid-way and resumed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings as django_settings

from tests.test_two_servers import CAMPANELLA, admin_connection, database_url

pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(
        django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="a worker process beside the test needs PostgreSQL (the suite's PostgreSQL run)",
    ),
]

QUEUE_JOB = """
import datetime, json
from campanella.interop import sync_jobs
from campanella.interop.models import ImportKind
from campanella.interop.services import import_upload
from campanella.people.models import Enrollment, Staff
from campanella.school.models import School
from campanella.school.selectors import is_school_day
from django.utils import timezone

office = Staff.objects.filter(is_office=True).select_related("user").first()
school = School.objects.filter(institute_id=office.institute_id).first()
today = timezone.localdate()
days, day = [], today - datetime.timedelta(days=1)
while len(days) < DAYS:
    if is_school_day(school, day):
        days.append(day)
    day -= datetime.timedelta(days=1)
days.reverse()
students = [
    e.student for e in Enrollment.objects.filter(
        classroom__school=school, entry_date__lte=days[0], exit_date__isnull=True
    ).select_related("student").order_by("student_id")[:30]
]
lines = ["codice_fiscale;data;tipo"]
for when in days:
    for student in students:
        lines.append(f"{student.codice_fiscale};{when:%d/%m/%Y};ASSENZA")
batch, plan = import_upload(
    institute_id=office.institute_id, user=office.user, kind=ImportKind.ATTENDANCE,
    file_name="assenze.csv", content="\\n".join(lines).encode(),
)
assert plan.ok, [p.message for p in plan.problems][:5]
job = sync_jobs.job_start(
    batch=batch, user=office.user, school_ids={school.pk}, start=days[0], end=days[-1]
)
print(json.dumps({"job": job.pk, "rows": job.rows_total, "days": job.days_total}))
"""

DAYS = 30

REGISTER = """
import json
from campanella.interop.models import SyncJob
from campanella.register.models import Absence, EarlyExit, LateEntry
job = SyncJob.objects.get(pk={job})
print(json.dumps({{
    "absences": sorted([a.student_id, str(a.date), a.slot_id] for a in Absence.objects.all()),
    "late": LateEntry.objects.count(), "exits": EarlyExit.objects.count(),
    "status": job.status, "days_done": job.days_done, "rows_done": job.rows_done,
    "runs": job.runs, "written": job.written,
}}))
"""


def run_python(env: dict[str, str], code: str) -> Any:
    script = "import django; django.setup()\n" + code
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603
        [str(CAMPANELLA), "worker", "--interval", "0.1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def days_done(env: dict[str, str], job: int) -> int:
    """The job's progress read straight from its row: polled every few milliseconds, so the
    kill lands in the middle of the import however fast the machine."""
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as connection:
        row = connection.execute(
            "SELECT days_done FROM interop_syncjob WHERE id = %s", [job]
        ).fetchone()
    return int(row[0]) if row else 0


def wait_for(env: dict[str, str], job: int, condition: Any, timeout: float = 240) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = run_python(env, REGISTER.format(job=job))
        if condition(state):
            return state
        time.sleep(0.2)
    raise AssertionError(f"the job never reached the state wanted: {state}")


@pytest.fixture(scope="module")
def two_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict, dict, int]]:
    if not CAMPANELLA.exists():
        pytest.skip("the campanella script is installed by ./dev")
    names = [f"campanella_crash_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    var = tmp_path_factory.mktemp("crash")
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(var),
        "SECRET_KEY": "crash-" + "k" * 40,
        "CAMPANELLA_VAR_DIR": str(var),
        "TASKS_BACKEND": "database",
        "SYNC_JOB_LEASE_SECONDS": "3",
        "DJANGO_SETTINGS_MODULE": "campanella.settings",
    }
    envs = [{**base, "DATABASE_URL": database_url(name)} for name in names]
    with admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{names[0]}"')
    try:
        for step in (["migrate"], ["seed", "--students", "60", "--schools", "1", "--seed", "3"]):
            done = subprocess.run(  # noqa: S603
                [str(CAMPANELLA), *step], env=envs[0], capture_output=True, text=True, check=False
            )
            assert done.returncode == 0, done.stderr[-3000:]
        queued = run_python(envs[0], QUEUE_JOB.replace("DAYS", str(DAYS)))
        with admin_connection() as admin:  # the same database, the same job queued
            admin.execute(f'CREATE DATABASE "{names[1]}" TEMPLATE "{names[0]}"')
        yield envs[0], envs[1], queued["job"]
    finally:
        with admin_connection() as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_worker_killed_mid_import_resumes_to_the_same_register(
    two_databases: tuple[dict[str, str], dict[str, str], int], tmp_path: Path
) -> None:
    calm, crashed, job = two_databases
    # The uninterrupted run.
    process = worker(calm)
    try:
        expected = wait_for(calm, job, lambda s: s["status"] == "completato")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert expected["days_done"] == DAYS and expected["runs"] == 1
    # The same job on the copy: killed after a few days, in the middle of the import.
    process = worker(crashed)
    try:
        deadline = time.monotonic() + 120
        while days_done(crashed, job) < 3 and time.monotonic() < deadline:
            time.sleep(0.005)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    stopped = run_python(crashed, REGISTER.format(job=job))
    assert stopped["status"] == "in_corso" and 3 <= stopped["days_done"] < DAYS, stopped
    # A new worker does not take it while the dead run's lease lasts; `sync resume` (or the
    # worker's periodic resume, when a minute starts meanwhile) queues it once the lease has
    # expired, and the new worker finishes it.
    process = worker(crashed)
    try:
        time.sleep(4)
        resumed = subprocess.run(  # noqa: S603
            [str(CAMPANELLA), "sync", "resume"], env=crashed, capture_output=True, text=True,
            check=False,
        )  # fmt: skip
        assert resumed.returncode == 0, resumed.stderr
        if "1 importazioni" not in resumed.stdout:
            # The new worker's own periodic resume (every minute) came first: then the job is
            # already taken again, not left waiting.
            assert "0 importazioni" in resumed.stdout, resumed.stdout
            taken = run_python(crashed, REGISTER.format(job=job))
            assert taken["runs"] == 2 or taken["status"] == "completato", taken
        final = wait_for(crashed, job, lambda s: s["status"] == "completato")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert final["runs"] == 2 and final["days_done"] == DAYS
    assert final["rows_done"] == expected["rows_done"]
    assert final["absences"] == expected["absences"]
    assert (final["late"], final["exits"]) == (expected["late"], expected["exits"])
    assert final["written"] == expected["written"]
