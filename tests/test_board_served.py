"""The board in a real `serve --http` process: an open page's stream does not hold a stop for
the whole drain, and `worktrail board` refuses a ledger it cannot serve in one line."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx2
import pytest

from tests.conftest import run_worktrail
from tests.servers import free_port, start_http, stop

pytestmark = pytest.mark.processes


def test_an_open_stream_ends_at_a_stop_signal(initialised: tuple[Path | str, str]) -> None:
    db, owner_key = initialised
    process, url = start_http(db)  # type: ignore[arg-type]
    base = url.removesuffix("/mcp")
    heard: list[bytes] = []
    with httpx2.Client(base_url=base, timeout=30) as browser:
        login = browser.post("/login", data={"api_key": owner_key}, headers={"Origin": base})
        assert login.status_code == 303

        opened = threading.Event()

        def listen() -> None:
            with browser.stream("GET", "/events") as stream:
                opened.set()
                for chunk in stream.iter_bytes():
                    heard.append(chunk)

        reader = threading.Thread(target=listen, daemon=True)
        reader.start()
        assert opened.wait(30), "the stream opened"
        started = time.monotonic()
        status, _ = stop(process)
        took = time.monotonic() - started
        reader.join(timeout=5)
    assert status == 0 and not reader.is_alive()
    assert took < 6, f"the stop waited {took:.1f} s for an open stream (the drain is 10 s)"


def test_worktrail_board_refuses_a_ledger_that_is_not_there(tmp_path: Path) -> None:
    done = run_worktrail("board", "--db", str(tmp_path / "missing.db"), "--port", "1")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "missing.db" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_worktrail_board_says_where_and_how_to_log_in(initialised: tuple[Path | str, str]) -> None:
    db, _ = initialised
    port = free_port()
    command = [sys.executable, "-m", "worktrail", "board", "--db", str(db), "--port", str(port)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE,
                               stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)  # fmt: skip
    try:
        assert process.stderr is not None
        said = [process.stderr.readline() for _ in range(4)]
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.stdout is not None and process.stdout.read() == ""  # stdout stays clean
    assert f"http://127.0.0.1:{port}/ (this machine only)" in said[0] and "once, within 5 minutes" in said[1]
    assert "/login/once?token=" in said[2] and "API key" in said[3]


def test_worktrail_board_on_a_port_in_use_says_so_and_prints_no_login_address(
    initialised: tuple[Path | str, str],
) -> None:
    db, _ = initialised
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_worktrail("board", "--db", str(db), "--port", str(port))
    assert done.returncode == 1 and "login" not in done.stderr.lower() and done.stdout == ""
    assert f"127.0.0.1:{port}" in done.stderr and "in use" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
