"""`campanella serve` as the README runs it: by the venv's path, without the venv on PATH; it
refuses a database that lacks migrations and never migrates itself (several servers would race).
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

CAMPANELLA = Path(sys.executable).parent / "campanella"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def production_env(tmp_path: Path, port: int) -> dict[str, str]:
    path = "/usr/bin:/bin"  # not the venv's bin: gunicorn must come from the interpreter itself
    env = {
        "PATH": path,
        "HOME": str(tmp_path),
        "SECRET_KEY": "serve-test-" + "x" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CAMPANELLA_VAR_DIR": str(tmp_path / "var"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "STATIC_MANIFEST": "0",
    }
    return env


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode()  # type: ignore[union-attr]
        try:
            with urllib.request.build_opener(NoRedirect).open(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answered (production sends plain HTTP to HTTPS)
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} never answered")


@pytest.mark.skipif(not CAMPANELLA.exists(), reason="the campanella script is installed by ./dev")
def test_serve_refuses_an_unmigrated_database_then_serves_after_migrate(tmp_path: Path) -> None:
    port = free_port()
    env = production_env(tmp_path, port)
    refused = subprocess.run(  # noqa: S603
        [str(CAMPANELLA), "serve"], env=env, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode == 2, refused.stderr
    assert "campanella migrate" in refused.stderr
    assert not (tmp_path / "db.sqlite3").exists() or "django_migrations" not in tables(tmp_path)

    migrated = subprocess.run(  # noqa: S603
        [str(CAMPANELLA), "migrate"], env=env, capture_output=True, text=True, timeout=300
    )
    assert migrated.returncode == 0, migrated.stderr
    server = subprocess.Popen(  # noqa: S603
        [str(CAMPANELLA), "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        # Plain HTTP from a client that is not behind a proxy: production redirects to HTTPS.
        request = urllib.request.Request(f"http://127.0.0.1:{port}/accedi/")
        opener = urllib.request.build_opener(NoRedirect)
        wait_for(f"http://127.0.0.1:{port}/accedi/", server)
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(request, timeout=5)
        assert redirect.value.code == 301
        assert redirect.value.headers["Location"].startswith("https://")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def tables(tmp_path: Path) -> str:
    import sqlite3

    with sqlite3.connect(tmp_path / "db.sqlite3") as database:
        rows = database.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    return " ".join(row[0] for row in rows)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None
