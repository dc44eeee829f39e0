"""`campanella demo` runs jobs in the background, with a worker that lives and dies with it
(issue 11: item 9). Real processes: the demo as a user starts it (SQLite under its own var
directory), its `campanella worker` child, and Chromium on the office's pages."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

import campanella
from tests.browser_support import Watched, assert_accessible, login
from tests.mailbox import free_port

pytestmark = pytest.mark.browser

CAMPANELLA = Path(sys.executable).parent / "campanella"
SOURCE = Path(campanella.__file__).resolve().parents[1]  # this checkout's src/, not main's


def demo_env(var: Path) -> dict[str, str]:
    # The demo's own settings: no DATABASE_URL (its SQLite file), no TASKS_BACKEND (its default).
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(var),
        "PYTHONPATH": str(SOURCE),
        "PYTHONUNBUFFERED": "1",
        "CAMPANELLA_VAR_DIR": str(var),
    }


@pytest.fixture(scope="module")
def demo_var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not CAMPANELLA.exists():
        pytest.skip("the campanella script is installed by ./dev")
    var = tmp_path_factory.mktemp("demo")
    done = subprocess.run(  # noqa: S603
        [str(CAMPANELLA), "demo", "--no-serve", "--students", "24"],
        env=demo_env(var),
        capture_output=True,
        text=True,
        timeout=200,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return var


class Demo:
    def __init__(self, var: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = var / f"demo-{self.port}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603
                [str(CAMPANELLA), "demo", "--addr", f"127.0.0.1:{self.port}"],
                env=demo_env(var),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # signals from the test reach the demo alone
            )
        self.worker_pid = int(self.wait_for(r"worker avviato \(processo (\d+)\)").group(1))
        self.wait_for(r"Starting worker")  # the worker is up and polling the queue
        self.wait_until_up()

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, pattern: str, seconds: float = 60) -> re.Match[str]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = re.search(pattern, self.output())
            if found:
                return found
            assert self.process.poll() is None, self.output()
            time.sleep(0.2)
        raise AssertionError(f"{pattern!r} never printed:\n{self.output()}")

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.url}/accedi/", timeout=10)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError(self.output())

    def login_of(self, role: str) -> str:
        return self.wait_for(rf"{role}\s+(\S+)").group(1)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        if alive(self.worker_pid):
            os.kill(self.worker_pid, signal.SIGKILL)


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting for its parent counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def hold_between_polls(pid: int) -> None:
    """SIGSTOP the worker while it sleeps between two looks at the queue: stopped inside its
    short claiming transaction it would keep SQLite's write lock from the web server."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if Path(f"/proc/{pid}/wchan").read_text().strip() == "hrtimer_nanosleep":
            os.kill(pid, signal.SIGSTOP)  # well within its 0.5 s sleep
            return
        time.sleep(0.005)
    raise AssertionError("il worker non è mai in attesa tra un controllo e l'altro")


def ends_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def demo(demo_var: Path) -> Iterator[Demo]:
    running = Demo(demo_var)
    try:
        yield running
    finally:
        running.stop()


def test_classroom_credentials_show_their_progress_while_the_demo_worker_runs_them(
    demo: Demo, desktop: Watched
) -> None:
    assert parent_of(demo.worker_pid) == demo.process.pid
    page = desktop.page
    login(page, demo.url, demo.login_of("Segreteria"), "campanella-demo")
    page.goto(f"{demo.url}/segreteria/credenziali/")
    # Hold the worker: the office's request must answer without waiting for the job.
    page.get_by_role("button", name=re.compile("^Riemetti tutte le credenziali")).first.click()
    hold_between_polls(demo.worker_pid)
    try:
        page.get_by_role("button", name="Sì, riemetti tutte le credenziali").click()
        page.wait_for_url("**/lotti/*/", timeout=60_000)
        status = page.get_by_test_id("batch-status")
        assert status.get_attribute("data-status") == "pending"
        expect(page.locator("progress#batch-progress")).to_be_visible()
        assert_accessible(page)
    finally:
        os.kill(demo.worker_pid, signal.SIGCONT)
    # The page polls (htmx) and shows the letters once the worker has issued them.
    expect(status).to_have_attribute("data-status", "done", timeout=90_000)
    expect(page.get_by_role("link", name=re.compile("Lettere alunni"))).to_be_visible()
    assert desktop.errors == []

    # Ctrl+C: the demo stops its worker and ends cleanly.
    demo.process.send_signal(signal.SIGINT)
    assert demo.process.wait(timeout=60) == 0, demo.output()
    assert ends_within(demo.worker_pid, 5)


@pytest.mark.parametrize(
    ("stop_signal", "exit_code"),
    [
        (signal.SIGTERM, 128 + signal.SIGTERM),  # stopped in order, worker first
        (signal.SIGKILL, -signal.SIGKILL),  # no chance to clean up: the kernel stops the worker
    ],
    ids=["SIGTERM", "SIGKILL"],
)
def test_the_worker_stops_with_the_demo(
    demo: Demo, stop_signal: signal.Signals, exit_code: int
) -> None:
    assert alive(demo.worker_pid) and parent_of(demo.worker_pid) == demo.process.pid
    demo.process.send_signal(stop_signal)
    assert demo.process.wait(timeout=60) == exit_code, demo.output()
    assert ends_within(demo.worker_pid, 10), "il worker è rimasto acceso dopo la demo"
