"""A bench measured on each database in its own process (Django is set up once per process):
the parent runs `python -m bench.<name> --only <database> …` per database, echoes what the
child prints and reads back the one line `RESULT <json>` the child ends with."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bench import server

RESULT = "RESULT "
DATABASES = ("sqlite", "postgresql")


def database_recreate(url: str) -> None:
    from psycopg import sql

    name = sql.Identifier(urlparse(url).path.lstrip("/"))
    with server.pg_connect(url) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))


def database_drop(url: str) -> None:
    from django.db import connections
    from psycopg import sql

    connections.close_all()
    name = sql.Identifier(urlparse(url).path.lstrip("/"))
    with server.pg_connect(url) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


@contextmanager
def django_on(database: str, pg_url: str) -> Iterator[None]:
    """In the child: Django set up on an empty database (SQLite under a temporary directory, or
    a PostgreSQL database made anew and dropped after)."""
    import django

    with tempfile.TemporaryDirectory() as var_dir:
        os.environ.update(server.server_env(var_dir, pg_url))
        if database == "sqlite":
            os.environ.pop("DATABASE_URL")
        else:
            database_recreate(pg_url)
        django.setup()
        try:
            yield
        finally:
            if database != "sqlite":
                database_drop(pg_url)


def child(measure: Callable[[], dict[str, Any]]) -> int:
    """The child's end: its measures as the RESULT line."""
    print(RESULT + json.dumps(measure()))
    return 0


def run_each(module: str, databases: Sequence[str], arguments: Sequence[str]) -> dict[str, Any]:
    """In the parent: the child's RESULT per database, its other lines echoed as they come."""
    project = Path(__file__).resolve().parent.parent
    # This checkout's code first (the virtualenv may be installed from another one).
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(project / "src"), str(project)])}
    results: dict[str, Any] = {}
    for database in databases:
        print(f"  {database} …", flush=True)
        command = [sys.executable, "-m", module, "--only", database, *arguments]
        found: list[str] = []
        with subprocess.Popen(
            command, cwd=project, env=env, stdout=subprocess.PIPE, text=True
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                if line.startswith(RESULT):
                    found.append(line)
                else:
                    print(line, end="", flush=True)
        if process.returncode != 0 or not found:
            raise SystemExit(f"{database}: non riuscito")
        results[database] = json.loads(found[0].removeprefix(RESULT))
    return results
