"""The demo's background worker: `campanella worker` started as a child of `campanella demo`.

The demo runs jobs as a school's server does, queued in the database and taken by a worker, so
long work (a classroom's credentials: a slow hash per login) answers at once and shows its
progress bar instead of keeping the browser waiting. The worker lives and dies with the demo:
stopped when the demo ends (Ctrl+C or SIGTERM) and, on Linux, stopped by the kernel if the demo
is killed outright. SQLite copes with the two processes through WAL and a busy timeout
(lib/config.sqlite_database).
"""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

# Seconds between two looks at the queue when it is empty: a job starts within half a second.
POLL_SECONDS = "0.5"
# Seconds a running job is given to finish when the demo stops, before it is cut short.
GRACE_SECONDS = 10
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def worker_command() -> list[str]:
    """`campanella worker` of this interpreter, without the reloader (the demo has none)."""
    return [
        sys.executable,
        "-m",
        "campanella.cli",
        "worker",
        "--no-reload",
        "--no-startup-delay",
        "--interval",
        POLL_SECONDS,
    ]


def stop_with_parent() -> None:
    """Run in the child before it starts: the kernel sends it SIGTERM when the demo dies."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ask once (the worker finishes its job), then cut the job short, then kill."""
    for ask in (process.terminate, process.terminate, process.kill):
        if process.poll() is not None:
            return
        ask()
        try:
            process.wait(timeout=GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            continue


def exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def background_worker() -> Iterator[subprocess.Popen[bytes]]:
    """A worker for as long as the block runs. Its own session: Ctrl+C in the terminal reaches
    the demo only, which then stops the worker in order."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        worker_command(), start_new_session=True, preexec_fn=stop_with_parent
    )
    previous = signal.signal(signal.SIGTERM, exit_on_sigterm)  # so the finally below runs
    try:
        yield process
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        stop(process)
