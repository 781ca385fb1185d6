"""A page's live stream ends within a second of its session's end, wherever the session ended:
logging out on another `serve --http` process of the same ledger wakes the stream the way a
commit does (the session check it did every 15 s came too late)."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import httpx2
import pytest

from tests.servers import http_servers
from worktrail.board.auth import COOKIE
from worktrail.board.headers import HEADERS

pytestmark = pytest.mark.processes


def test_a_stream_ends_within_a_second_of_a_logout_on_another_process(initialised: tuple[Path | str, str]) -> None:
    db, owner_key = initialised
    with http_servers(db, 2) as urls:  # type: ignore[arg-type]
        here, there = (url.removesuffix("/mcp") for url in urls)
        with httpx2.Client(base_url=here, timeout=30) as browser:
            assert browser.post("/login", data={"api_key": owner_key}, headers={"Origin": here}).status_code == 303
            cookie = browser.cookies[COOKIE]
            csrf = re.search(r'name="csrf" value="([^"]+)"', browser.get("/").text)
            assert csrf is not None
            opened, ended, heard = threading.Event(), threading.Event(), []

            def listen() -> None:
                with browser.stream("GET", "/events") as stream:
                    heard.append(stream.headers)
                    opened.set()
                    for line in stream.iter_lines():
                        heard.append(line)
                ended.set()

            reader = threading.Thread(target=listen, daemon=True)
            reader.start()
            assert opened.wait(10)
            time.sleep(0.3)  # the stream is waiting: its watcher has read where the ledger stands
            with httpx2.Client(base_url=there, timeout=30) as elsewhere:
                out = elsewhere.post("/logout", data={"csrf": csrf.group(1)},
                                     headers={"Origin": there, "Cookie": f"{COOKIE}={cookie}"})  # fmt: skip
                assert out.status_code == 303
            started = time.monotonic()
            assert ended.wait(5), "the stream was still open 5 s after the logout"
            took = time.monotonic() - started
    assert "event: ended" in heard and took < 1.5, f"the stream ended {took:.1f} s after the logout"
    assert all(heard[0].get(name) == value for name, value in HEADERS.items())
