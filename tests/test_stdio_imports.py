"""Cold start over stdio: `worktrail serve` imports only what answering over stdio on SQLite
needs. The HTTP server, OAuth, the board (and its Jinja), PostgreSQL's driver and the cron
parser are imported where they are used, so a stdio client never waits for them (issue 30).

Read from `python -X importtime`'s own record of a real `serve` that answered `initialize`,
`tools/list` and a tool call; starlette and uvicorn are not named: the SDK's `mcp.server`
imports them itself, and every server on the SDK pays that."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Modules (and their submodules) a stdio serve on SQLite must never import.
NEVER = (
    "worktrail.transport.http", "worktrail.board", "worktrail.cli.serve_http", "worktrail.cli.board",
    "worktrail.store.postgresql", "asyncpg", "jinja2", "croniter",
)  # fmt: skip


def _requests() -> str:
    said = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "ts.tsk.create", "arguments": {"title": "t"}}},
    ]  # fmt: skip
    return "".join(json.dumps(message) + "\n" for message in said)


def _imported(stderr: str) -> set[str]:
    return {line.split("|")[2].strip() for line in stderr.splitlines() if line.startswith("import time:") and "|" in line}


@pytest.mark.processes
def test_serve_over_stdio_imports_no_http_auth_board_postgresql_or_cron_stack(
    sqlite_initialised: tuple[Path, str],
) -> None:
    db, key = sqlite_initialised
    served = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "worktrail", "serve", "--db", str(db)],
        input=_requests(), capture_output=True, text=True, timeout=60, env={**os.environ, "WORKTRAIL_API_KEY": key},
    )  # fmt: skip
    answers = [json.loads(line) for line in served.stdout.splitlines()]
    assert [a.get("id") for a in answers] == [1, 2, 3], served.stderr[-2000:]
    assert "result" in answers[2] and not answers[2]["result"].get("isError"), answers[2]
    imported = _imported(served.stderr)
    assert "worktrail.transport.stdio" in imported  # the record is read right
    unwanted = sorted(m for m in imported if any(m == n or m.startswith(n + ".") for n in NEVER))
    assert unwanted == []
