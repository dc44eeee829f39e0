"""The `campanella` command: Django's manage.py plus demo, seed, serve and worker.

campanella demo                 demo institute on http://127.0.0.1:8000 (SQLite under var/)
campanella seed --students N    generate an institute of any size (benchmarks)
campanella migrate              bring the database up to date (once per release, one server)
campanella serve                production server (gunicorn); refuses an outdated database
campanella worker               background jobs (django-tasks database worker) and periodic jobs
campanella periodic --once      run the periodic jobs that are due (for cron)
campanella <manage.py command>  e.g. migrate, createsuperuser, shell
"""

from __future__ import annotations

import os
import sys

from campanella.lib.config import ConfigError


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "help"
    if command == "demo":
        os.environ["CAMPANELLA_DEMO"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campanella.settings")
    try:
        import django

        django.setup()
    except ConfigError as error:
        print(f"Configurazione non valida: {error}", file=sys.stderr)
        return 2
    if command == "serve":
        return serve(args[1:])
    if command == "worker":
        args = ["db_worker", *args[1:]]
        start_periodic_thread()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["campanella", *args])
    return 0


def serve(extra: list[str]) -> int:
    """gunicorn with one sync worker per core, at least two: measured best on 2 cores with
    PostgreSQL on the same machine for both the grade pages and the 08:00 roll call
    (docs/benchmarks.md); raise WEB_CONCURRENCY when the database is on another machine.

    It does not migrate: with several app servers starting at once they would race. Migrating
    is its own step (`campanella migrate`, once per release); a server refuses to start on a
    database that lacks migrations of its code."""
    from django.core.management import call_command

    missing = unapplied_migrations()
    if missing:
        print(
            f"Il database non è aggiornato ({len(missing)} migrazioni da applicare, per esempio "
            f"{missing[0]}): eseguire prima `campanella migrate`, una sola volta e da un solo "
            "server, poi avviare i server.",
            file=sys.stderr,
        )
        return 2
    call_command("collectstatic", interactive=False, verbosity=0)
    bind = os.environ.get("BIND", "127.0.0.1:8000")
    workers = os.environ.get("WEB_CONCURRENCY", str(max(2, os.cpu_count() or 1)))
    # gunicorn of this interpreter's own environment, whether or not it is on PATH.
    command = [sys.executable, "-m", "gunicorn", "campanella.wsgi"]
    command += ["--bind", bind, "--workers", workers, *extra]
    os.execv(sys.executable, command)  # noqa: S606 - replaces this process on purpose
    return 0  # pragma: no cover


def start_periodic_thread() -> None:
    """The worker also runs the periodic jobs (lib/periodic.py), in a thread of its own: with
    several workers each slot still runs once."""
    import threading

    from campanella.comms import scheduler

    thread = threading.Thread(target=scheduler.run_forever, name="periodic", daemon=True)
    thread.start()


def unapplied_migrations() -> list[str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


if __name__ == "__main__":
    sys.exit(main())
