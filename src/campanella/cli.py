"""The `campanella` command: Django's manage.py plus demo, seed, serve and worker.

campanella demo                 demo institute on http://127.0.0.1:8000 (SQLite under var/)
campanella seed --students N    generate an institute of any size (benchmarks)
campanella serve                production server (gunicorn)
campanella worker               background jobs (django-tasks database worker)
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
    from django.core.management import execute_from_command_line

    execute_from_command_line(["campanella", *args])
    return 0


def serve(extra: list[str]) -> int:
    """gunicorn with one sync worker per core, at least two: measured best on 2 cores with
    PostgreSQL on the same machine for both the grade pages and the 08:00 roll call
    (docs/benchmarks.md); raise WEB_CONCURRENCY when the database is on another machine."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    bind = os.environ.get("BIND", "127.0.0.1:8000")
    workers = os.environ.get("WEB_CONCURRENCY", str(max(2, os.cpu_count() or 1)))
    gunicorn_args = ["gunicorn", "campanella.wsgi", "--bind", bind, "--workers", workers, *extra]
    os.execvp(gunicorn_args[0], gunicorn_args)  # noqa: S606 - replaces this process on purpose
    return 0  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
