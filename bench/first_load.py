"""The first visit of a phone on a slow network: bytes on the wire and time to a usable page.

    python -m bench.first_load [--code DIR] [--runs 3]

It prepares the demo institute on SQLite in a temporary folder, collects the static files as
`campanella serve` does (hashed, compressed), starts gunicorn with the production settings and
drives Debian's Chromium through Playwright with a cold cache, throttled through the DevTools
protocol as Lighthouse's mobile profile (150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up,
CPU 4× slower) and as DevTools' "3G" preset (562.5 ms, 1.44 Mbit/s, 675 kbit/s). Pages: the
login page (the first thing a family opens), then a guardian's home right after logging in.
`--code` runs another checkout's `src` (to measure a "before" beside the "after").
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from bench.server import PROJECT, free_port

GUARDIAN = "G100020M"
PASSWORD = "campanella-demo"  # noqa: S105 - the demo's published password (README)
PROFILES: dict[str, dict[str, float]] = {
    "Lighthouse mobile (150 ms, 1.6 Mbit/s, CPU ×4)": {
        "latency": 150, "down": 1.6e6, "up": 750e3, "cpu": 4,
    },
    "DevTools 3G (562 ms, 1.44 Mbit/s, CPU ×4)": {
        "latency": 562.5, "down": 1.44e6, "up": 675e3, "cpu": 4,
    },
}  # fmt: skip


@dataclass
class Visit:
    wire_bytes: int
    requests: int
    first_paint_ms: float
    loaded_ms: float


def environment(var_dir: Path, code: Path) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "campanella.settings",
           "SECRET_KEY": "bench-" + "x" * 40, "CAMPANELLA_VAR_DIR": str(var_dir),
           "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost", "STATIC_MANIFEST": "1",
           "SECURE_COOKIES": "0", "SECURE_SSL_REDIRECT": "0", "TASKS_BACKEND": "immediate",
           "PYTHONPATH": str(code)}  # fmt: skip
    for name in ("CAMPANELLA_DEMO", "DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    return env


def prepare(env: dict[str, str]) -> None:
    campanella = [sys.executable, "-m", "campanella.cli"]
    subprocess.run([*campanella, "migrate", "--verbosity", "0"], env=env, check=True)
    script = (
        "from campanella.demo.generator import generate; "
        "generate(students=200, schools=2, seed=2026, history_days=10, grades_per_subject=4)"
    )
    subprocess.run([sys.executable, "-c", f"import django; django.setup(); {script}"],
                   env=env, check=True)  # fmt: skip
    subprocess.run([*campanella, "collectstatic", "--noinput", "--verbosity", "0"],
                   env=env, check=True)  # fmt: skip


def throttle(page: Page, profile: dict[str, float]) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": profile["latency"],
        "downloadThroughput": profile["down"] / 8, "uploadThroughput": profile["up"] / 8,
    })  # fmt: skip
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": profile["cpu"]})


def measure(page: Page, url: str) -> Visit:
    sizes: dict[str, int] = {}
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on("Network.loadingFinished", lambda event: sizes.__setitem__(
        event["requestId"], int(event["encodedDataLength"])))  # fmt: skip
    page.goto(url, wait_until="load")
    timing: dict[str, Any] = page.evaluate(
        """() => {
          const paint = performance.getEntriesByName('first-contentful-paint')[0];
          const nav = performance.getEntriesByType('navigation')[0];
          return {paint: paint ? paint.startTime : -1, load: nav.loadEventEnd};
        }"""
    )
    cdp.detach()
    return Visit(sum(sizes.values()), len(sizes), timing["paint"], timing["load"])


def log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/accedi/")
    page.fill("input[name=username]", GUARDIAN)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")


def run(code: Path, runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="campanella-first-load-") as folder:
        var_dir = Path(folder)
        env = environment(var_dir, code)
        prepare(env)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "campanella.wsgi", "--bind",
             f"127.0.0.1:{port}", "--workers", "2"],
            cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(base)
            drive(base, runs)
        finally:
            server.terminate()
            server.wait(timeout=30)


def wait_for(base: str) -> None:
    import time

    for _ in range(150):
        try:
            urllib.request.urlopen(f"{base}/accedi/", timeout=2).close()  # noqa: S310 - local
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn non risponde")


def drive(base: str, runs: int) -> None:
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    print("| profile | page | bytes on the wire | requests | first paint (ms) | load (ms) |")
    print("|---|---|---|---|---|---|")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for name, profile in PROFILES.items():
            login: list[Visit] = []
            home: list[Visit] = []
            for _ in range(runs):
                context = browser.new_context(
                    viewport={"width": 375, "height": 812},
                    is_mobile=True,
                    has_touch=True,
                    locale="it-IT",
                )
                page = context.new_page()
                throttle(page, profile)
                login.append(measure(page, f"{base}/accedi/"))
                log_in(page, base)
                home.append(measure(page, f"{base}/"))
                context.close()
            report(name, "login page, first visit (cold cache)", login)
            report(name, "guardian's home after logging in", home)
        browser.close()


def report(profile: str, page: str, visits: list[Visit]) -> None:
    def median(values: list[float]) -> str:
        measured = [value for value in values if value >= 0]  # -1: the browser reported none
        return f"{statistics.median(measured):,.0f}" if measured else "n/a"

    columns = [
        median([v.wire_bytes for v in visits]),
        median([v.requests for v in visits]),
        median([v.first_paint_ms for v in visits]),
        median([v.loaded_ms for v in visits]),
    ]
    print(f"| {profile} | {page} | {' | '.join(columns)} |")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.first_load")
    parser.add_argument("--code", type=Path, default=PROJECT / "src",
                        help="the `src` folder whose code is served")  # fmt: skip
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    run(args.code.resolve(), args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
