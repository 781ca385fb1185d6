"""The access log of `serve --http` in its text format: one line a request, whatever text the
caller puts in a tool's name, a JSON-RPC method or the path, and a duration with its unit; and
every other log line is one line too."""

from __future__ import annotations

import re
from pathlib import Path

import httpx2

from tests.servers import start_http, stop
from tests.test_http import HEADERS, call, new_key, post

# Text that would start a line of its own, end one early, or colour a terminal.
HOSTILE = {"newline": "\n", "return": "\r", "nul": "\0", "ansi": "\x1b[31m"}
FORGED = "2026-01-01T00:00:00Z tools/call ts.key.create ok 200 1.0ms key_forged"
LINE = re.compile(r"^\d{4}-\d\d-\d\dT\S+Z ([A-Z]+ /\S*|\S+) (\S+) (\S+) (\d{3}) ([0-9.]+)ms (\S+)$")


def test_a_caller_cannot_forge_or_break_a_text_access_line(initialised: tuple[Path, str]) -> None:
    db, owner_key = initialised
    _, viewer_key = new_key(db, owner_key, "viewer")
    process, url = start_http(db)
    base = url.removesuffix("/mcp")
    sent = 0
    for char in HOSTILE.values():
        post(url, call(f"ts.tsk.list{char}{FORGED}", {}), viewer_key)  # the tool's name, with a viewer's key
        post(url, {"jsonrpc": "2.0", "id": 1, "method": f"tools/list{char}{FORGED}"}, viewer_key)  # the method
        encoded = "".join(f"%{ord(c):02x}" for c in char + FORGED)
        httpx2.post(f"{base}/x{encoded}", content=b"{}", headers=HEADERS, timeout=30)  # the path, with no key
        httpx2.post(f"{url}{encoded}", content=b"{}", headers=HEADERS, timeout=30)
        sent += 4
    _, stderr = stop(process)
    said = [line for line in stderr.splitlines() if line.strip() and not line.startswith("worktrail serve: MCP at")]
    lines = [line for line in said if "GET /healthz" not in line]
    access = [line for line in lines if LINE.match(line)]
    assert len(access) == sent and len(lines) == sent, stderr
    assert not {"\0", "\x1b", "\r"} & set(stderr)
    assert all("key_forged" in line and "\\x20" in line for line in access[:4])


def test_a_text_access_line_gives_the_duration_in_ms(initialised: tuple[Path, str]) -> None:
    db, key = initialised
    process, url = start_http(db)
    post(url, call("ts.tsk.create", {"title": "timed"}), key)
    _, stderr = stop(process)
    found = LINE.match(stderr.splitlines()[-1])
    assert found and found.group(1, 2, 3, 4) == ("tools/call", "ts.tsk.create", "ok", "200"), stderr


def test_a_log_line_that_quotes_a_caller_stays_one_line(initialised: tuple[Path, str]) -> None:
    db, key = initialised
    process, url = start_http(db, "--log-level", "DEBUG")
    for era in ("2025-11-25", "2026-07-28"):  # the SDK logs a dropped notification's method at DEBUG
        for char in HOSTILE.values():
            note = {"jsonrpc": "2.0", "method": f"notifications/x{char}FORGED {char}"}
            assert post(url, note, key, **{"MCP-Protocol-Version": era}).status_code == 202
    _, stderr = stop(process)
    assert "FORGED" in stderr and not {"\0", "\x1b", "\r"} & set(stderr)
    assert not [line for line in stderr.splitlines() if line.startswith("FORGED")], stderr[-2000:]
