"""What the load benchmarks share: a PostgreSQL connection, gunicorn in the background, the
environment it runs in, and the machine's CPU (to wait for it to be idle and to report how
busy it was)."""

from __future__ import annotations

import os
import platform
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import psycopg

PROJECT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def pg_connect(url: str, dbname: str = "postgres") -> psycopg.Connection[Any]:
    parts = urlparse(url)
    return psycopg.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username,
        password=parts.password, dbname=dbname, autocommit=True,
    )  # fmt: skip


def server_env(var_dir: str, database_url: str, **extra: str) -> dict[str, str]:
    """The production settings (DEBUG off) on the benchmark's database, no demo, no Redis."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "campanella.settings",
           "SECRET_KEY": "bench-" + "x" * 40, "DATABASE_URL": database_url,
           "CAMPANELLA_VAR_DIR": var_dir, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost",
           "TASKS_BACKEND": "database", "STATIC_MANIFEST": "0", "SECURE_COOKIES": "0",
           "SECURE_SSL_REDIRECT": "0"}  # fmt: skip
    env.pop("CAMPANELLA_DEMO", None)
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(
    workers: int, env: dict[str, str], log: Path, answers: Callable[[int], bool]
) -> Iterator[int]:
    """gunicorn with `workers` sync workers on a free port, until `answers(port)`; stopped
    (and killed if it must be) on the way out."""
    port = free_port()
    command = [str(GUNICORN), "campanella.wsgi", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--worker-class", "sync"]  # fmt: skip
    with running(command, env, log, answers, port) as port:
        yield port


@contextmanager
def campanella_serve(
    workers: int, env: dict[str, str], log: Path, answers: Callable[[int], bool]
) -> Iterator[int]:
    """`campanella serve` (what a school runs) with `workers` workers on a free port, this
    worktree's code first on the path; stopped like `gunicorn`."""
    port = free_port()
    path = os.pathsep.join([str(PROJECT / "src"), env.get("PYTHONPATH", "")])
    env = {**env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers), "PYTHONPATH": path}
    command = [sys.executable, "-m", "campanella.cli", "serve"]
    with running(command, env, log, answers, port) as port:
        yield port


@contextmanager
def running(
    command: list[str], env: dict[str, str], log: Path, answers: Callable[[int], bool], port: int
) -> Iterator[int]:
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while not answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn non risponde:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cpu_times() -> tuple[int, int]:
    """(idle, total) jiffies of the whole machine."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return values[3] + values[4], sum(values)


def busy_since(before: tuple[int, int]) -> float:
    idle, total = cpu_times()
    return 1 - (idle - before[0]) / max(1, total - before[1])


def wait_until_idle(limit: float = 0.2, patience: float = 180.0) -> float:
    """Wait for the machine to be nearly idle (other people's tests share it); last busy share."""
    deadline = time.monotonic() + patience
    while True:
        before = cpu_times()
        time.sleep(2)
        busy = busy_since(before)
        if busy < limit or time.monotonic() > deadline:
            return busy


def machine(database_url: str) -> str:
    """One line for the report: cores, CPU, Python and PostgreSQL versions."""
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((x.split(":", 1)[1].strip() for x in lines if x.startswith("model name")), "?")
    with pg_connect(database_url) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return (f"Machine: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
            f"PostgreSQL {row[0] if row else '?'}")  # fmt: skip
