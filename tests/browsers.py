"""A real browser for the board's tests: Debian's Chromium (/usr/bin/chromium, installed by
.ci/run where it is missing) driven by Playwright for Python, never a browser Playwright
downloads. Agents beside it are real MCP clients over HTTP, run on a thread of their own (the
browser's driver keeps its own event loop on the test's thread)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import anyio
import httpx2
import pytest

from tests.servers import free_port, http_client, printed_sign_in, start_http, stop

CHROMIUM = Path("/usr/bin/chromium")
# Chromium as root, headless, with nothing of its own reaching for the network (this machine's
# network is closed: its background connections would be refused, many at a time).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
SHOTS = Path(__file__).resolve().parent / "screenshots"
T = TypeVar("T")


def need_chromium() -> None:
    """Fail, never skip, where the browser tests must run (CI); skip with the reason elsewhere."""
    if CHROMIUM.exists():
        return
    if os.environ.get("WORKTRAIL_TEST_BROWSER") == "required":
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs it (apt-get install -y chromium)")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium); CI runs these tests")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Chromium, once per test module (the suite's plugin: conftest.py names this module)."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def on_a_thread(work: Callable[[], Awaitable[T]]) -> T:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, work).result(timeout=60)


class Agent:
    """An agent over MCP (streamable HTTP) with its own key."""

    def __init__(self, url: str, api_key: str) -> None:
        self.url, self.api_key = url, api_key

    def ok(self, tool: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        async def call() -> dict[str, Any]:
            async with http_client(self.url, self.api_key) as client:
                result = await client.call_tool(tool, arguments or {})
            assert not result.is_error and result.structured_content is not None, result.structured_content
            return result.structured_content

        return on_a_thread(call)


class Served:
    """A `worktrail serve --http` process with the board at its root, and the owner's agent."""

    def __init__(self, db: Path | str, owner_key: str) -> None:
        self.db, self.owner_key = db, owner_key
        self.port = free_port()
        self.process, self.mcp = start_http(Path(str(db)) if not str(db).startswith("postgresql") else db,  # type: ignore[arg-type]
                                            port=self.port, stderr=subprocess.DEVNULL)  # fmt: skip
        self.base = f"http://127.0.0.1:{self.port}"
        self.owner = Agent(self.mcp, owner_key)

    def restart(self) -> None:
        self.process, self.mcp = start_http(self.db, port=self.port, stderr=subprocess.DEVNULL)  # type: ignore[arg-type]

    def member(self, role: str = "member", name: str = "Ada") -> tuple[str, Agent]:
        """A new resource of `role` with a key: (the key, its agent)."""
        resource = self.owner.ok("ts.res.create", {"type": "human", "name": name, "role": role})
        key = self.owner.ok("ts.key.create", {"resource_id": resource["id"]})["api_key"]
        return key, Agent(self.mcp, key)

    def stop(self) -> None:
        stop(self.process)


@contextmanager
def board_process(db: Path | str) -> Iterator[str]:
    """`worktrail board` on `db`: its one-time login address, as printed."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "worktrail", "board", "--db", str(db), "--port", str(port)],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert process.stderr is not None
        address = printed_sign_in(process.stderr)
        assert address is not None, "worktrail board printed no login address"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx2.get(f"http://127.0.0.1:{port}/login", timeout=1)
                break
            except httpx2.HTTPError:
                time.sleep(0.1)
        yield address
    finally:
        process.terminate()
        process.wait(timeout=30)


def shot(page: Any, name: str) -> Path:
    """Save what the test checked (tests/screenshots/, not committed)."""
    SHOTS.mkdir(exist_ok=True)
    path = (
        SHOTS / f"{re.sub(r'[0-9a-f-]{20,}|_(tsk|rtl|rtr)_[0-9a-f]+', '', name)}.png"
    )  # one file per page, not per id
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def served(initialised: tuple[Path | str, str]) -> Iterator[Served]:
    """`serve --http` with the board on a ledger `worktrail init` made, in the store under test."""
    db, owner_key = initialised
    server = Served(db, owner_key)
    yield server
    server.stop()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A page of its own, at 1,440 px."""
    context = chromium.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
