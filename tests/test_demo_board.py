"""`worktrail demo --board`: the walk-through, then the board on the demo's ledger, signed in by
the one-time address it prints, until Ctrl-C; then the temporary ledger is gone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

from tests.servers import free_port, printed_sign_in

pytestmark = pytest.mark.processes


def test_demo_board_serves_the_demos_ledger_until_ctrl_c(tmp_path: Path) -> None:
    scratch, printed = tmp_path / "scratch", tmp_path / "demo.out"
    scratch.mkdir()
    port = free_port()
    with printed.open("w") as out:  # the walk-through is long: a file, not a pipe nobody reads
        process = subprocess.Popen([sys.executable, "-m", "worktrail", "demo", "--board", "--port", str(port)],
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.PIPE, text=True,
                                   env={**os.environ, "TMPDIR": str(scratch)})  # fmt: skip
    try:
        assert process.stderr is not None
        address = printed_sign_in(process.stderr)
        assert address is not None and f":{port}/" in address, "demo --board printed no sign-in address"
        with httpx2.Client(base_url=f"http://127.0.0.1:{port}", timeout=10, follow_redirects=True) as browser:
            deadline = time.monotonic() + 30
            while True:
                try:
                    signed_in = browser.get(address)
                    break
                except httpx2.TransportError:
                    assert time.monotonic() < deadline, "the board did not come up"
                    time.sleep(0.1)
            assert signed_in.status_code == 200 and "Log out" in signed_in.text, "signed in as the owner"
            tasks = browser.get("/tasks")
            assert tasks.status_code == 200 and "Write the quickstart" in tasks.text, "the demo's own tasks"
        assert list(scratch.iterdir()), "the ledger stays while the board serves it"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    said = printed.read_text()
    assert "ts.exe.update" in said and "What next" in said and "temporary ledger has been removed" in said
    assert list(scratch.iterdir()) == [], "Ctrl-C ends the board, then the temporary ledger goes"
