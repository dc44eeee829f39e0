"""How tall the teacher's class register day page is, in Chromium, on a desktop and a phone.

    python -m bench.day_page --url http://127.0.0.1:8000 --username GALI0001.1000001

Logs in (the demo's password by default), opens the teacher's first classroom for today from
/registro/ and prints, per screen, the page height and where the roll call and the teacher's
own hour start (issue 11: item 5; results in docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from typing import Any

from playwright.sync_api import Page, sync_playwright

SCREENS = {"desktop": (1280, 900), "phone": (375, 812)}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

MEASURE = """
() => {
  const top = (selector) => {
    const el = document.querySelector(selector);
    return el ? Math.round(el.getBoundingClientRect().top + window.scrollY) : null;
  };
  return {
    height: document.documentElement.scrollHeight,
    roll_call_top: top('#roll-title'),
    own_hour_top: top('[data-testid=own-hour]'),
  };
}
"""


def open_day_page(page: Page, url: str, username: str, password: str) -> str:
    page.goto(f"{url}/accedi/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.press("#id_password", "Enter")
    page.goto(f"{url}/registro/")
    page.locator("main a[href^='/registro/']").first.click()
    page.wait_for_selector("#roll-title")
    return page.url


def measure(url: str, username: str, password: str) -> dict[str, Any]:
    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    results: dict[str, Any] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for name, (width, height) in SCREENS.items():
            context = browser.new_context(
                viewport={"width": width, "height": height}, locale="it-IT"
            )
            page = context.new_page()
            results["page"] = open_day_page(page, url, username, password)
            results[name] = {"viewport": f"{width}x{height}", **page.evaluate(MEASURE)}
            context.close()
        browser.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.day_page")
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--username", required=True, help="a teacher of a classroom")
    parser.add_argument("--password", default="campanella-demo")
    args = parser.parse_args()
    print(json.dumps(measure(args.url, args.username, args.password), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
