"""How long `campanella seed --students N` takes on a fresh SQLite database and on PostgreSQL.

Target (issue 2): 1,500 students in under 60 s on SQLite.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import psycopg

PROJECT = Path(__file__).resolve().parent.parent
CAMPANELLA = [sys.executable, "-m", "campanella.cli"]
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/campanella_bench")


def campanella(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [*CAMPANELLA, *args], env=env, cwd=PROJECT, capture_output=True, text=True, check=True
    )
    return result.stdout


def one_run(students: int, database_url: str | None) -> float:
    """Seconds the generator reports for one run on a freshly migrated, empty database."""
    with tempfile.TemporaryDirectory() as var_dir:
        env = {**os.environ, "SECRET_KEY": "bench-" + "x" * 40, "CAMPANELLA_VAR_DIR": var_dir}
        if database_url:
            env["DATABASE_URL"] = database_url
            recreate_pg_database(database_url)
        campanella("migrate", "-v0", env=env)
        out = campanella("seed", "--students", str(students), "--seed", "1", env=env)
        print(f"    {out.splitlines()[0]}")
        reported = re.search(r"in ([0-9.]+) s", out)
        assert reported, out
        return float(reported.group(1))


def run(*, students: int, repeat: int) -> int:
    print(f"Macchina: {platform.processor() or platform.machine()}, {os.cpu_count()} core, "
          f"Python {platform.python_version()}")  # fmt: skip
    for label, url in (("SQLite", None), ("PostgreSQL", PG_URL)):
        times = [one_run(students, url) for _ in range(repeat)]
        print(f"{label}: seed --students {students}: mediana {statistics.median(times):.2f} s "
              f"(min {min(times):.2f}, max {max(times):.2f}, {repeat} prove)")  # fmt: skip
    return 0


def recreate_pg_database(url: str) -> None:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    with psycopg.connect(
        host=parsed.hostname, port=parsed.port or 5432, user=parsed.username,
        password=parsed.password, dbname="postgres", autocommit=True,
    ) as connection:  # fmt: skip
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
