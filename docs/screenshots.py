"""The README's screenshots of the board, made again from a ledger `worktrail demo` fills.

    python docs/screenshots.py          # writes docs/board-<page>-<width>.png

Run by hand after a change to the board's look (never in CI). It starts `worktrail board` on the
demo's ledger, signs in with the one-time address it prints, and photographs Now, Tasks, a task,
an endeavour, a mission run with its plan and a workflow run at 1,440 and 375 px, in Debian's
Chromium (/usr/bin/chromium) driven by Playwright; it never downloads a browser.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2
from playwright.sync_api import Page, sync_playwright

HERE = Path(__file__).resolve().parent
PORT = 18767
WIDTHS = {1440: 900, 375: 812}


def first_link(page: Page, path: str, pattern: str) -> str:
    """The first link on the board's `path` whose address matches `pattern`."""
    page.goto(f"http://127.0.0.1:{PORT}{path}")
    links = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    return next(link for link in links if re.search(pattern, link))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "demo.db"
        subprocess.run([sys.executable, "-m", "worktrail", "demo", "--db", str(db)], check=True, capture_output=True)
        board = subprocess.Popen([sys.executable, "-m", "worktrail", "board", "--db", str(db), "--port", str(PORT)],
                                 stderr=subprocess.PIPE, text=True)  # fmt: skip
        try:
            assert board.stderr is not None
            address = next(m.group(0) for line in board.stderr if (m := re.search(r"http://\S+/login/once\S+", line)))
            for _ in range(100):
                try:
                    httpx2.get(f"http://127.0.0.1:{PORT}/login", timeout=1)
                    break
                except httpx2.HTTPError:
                    time.sleep(0.1)
            shoot(address)
        finally:
            board.terminate()
            board.wait()


def shoot(address: str) -> None:
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"], headless=True)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(address)
        pages = {
            "now": f"http://127.0.0.1:{PORT}/?kind=&status=succeeded",
            "tasks": f"http://127.0.0.1:{PORT}/tasks",
            "task": first_link(page, "/tasks", r"/tasks/tsk_"),
            "endeavour": first_link(page, "/endeavours", r"/endeavours/edv_"),
            "mission-run": first_link(page, "/missions", r"/missions/[^/]+/runs/"),
            "workflow-run": first_link(page, "/workflows", r"/workflow-runs/"),
        }
        for width, height in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            for name, url in pages.items():
                page.goto(url)
                target = HERE / f"board-{name}-{width}.png"
                page.screenshot(path=str(target), full_page=width == 375)
                print(target.relative_to(HERE.parent))
        browser.close()


if __name__ == "__main__":
    main()
