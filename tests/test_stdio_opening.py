"""`serve` over stdio answers the handshake while it opens the ledger (issue 30, cold start): a
tool call still finds the ledger open, migrated and logged in, and a ledger that refuses still
stops the process with the same words and status, the client seeing its pipe close."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import peek
from worktrail.store.store import Store

pytestmark = pytest.mark.processes

HELLO = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}  # fmt: skip
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}


def _serving(db: Path, key: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "worktrail", "serve", "--db", str(db)],
                            env={**os.environ, "WORKTRAIL_API_KEY": key}, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def _no_owner(tmp_path: Path) -> Path:
    db = tmp_path / "unowned.db"
    async def made() -> None:  # the schema, but nobody to own it
        await (await Store.open(db)).close()

    asyncio.run(made())
    return db


def _empty(tmp_path: Path) -> Path:
    db = tmp_path / "empty.db"
    sqlite3.connect(db).close()
    return db


REFUSALS = {
    "a refused key": (lambda tmp, db: db, "wtk_wrong", "worktrail serve: WORKTRAIL_API_KEY was refused: Invalid API key"),
    "no owner": (lambda tmp, db: _no_owner(tmp), None, "has no owner; set it up first with: worktrail init --db"),
    "not a ledger": (lambda tmp, db: _empty(tmp), None, "empty file, not a ledger"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_ledger_that_refuses_ends_the_process_after_the_handshake_in_the_same_words(
    sqlite_initialised: tuple[Path, str], tmp_path: Path, case: str
) -> None:
    db, key = sqlite_initialised
    where, given_key, said = REFUSALS[case]
    server = _serving(where(tmp_path, db), given_key or key)
    assert server.stdin and server.stdout and server.stderr
    server.stdin.write(json.dumps(HELLO) + "\n")
    server.stdin.flush()
    try:
        assert json.loads(server.stdout.readline())["id"] == 1  # answered while the ledger opens
        server.stdin.write(json.dumps(INITIALIZED) + "\n" + json.dumps(
            {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "ts.auth.whoami", "arguments": {}}}) + "\n")  # fmt: skip
        server.stdin.flush()
        # The call is not run: the SDK closes it (-32000 "Connection closed") and the pipe closes,
        # stdin still open; the words are the server's last line on stderr, as before.
        rest = [json.loads(line) for line in server.stdout]
        assert all("result" not in r for r in rest), rest
        assert server.wait(timeout=30) == 1
    finally:
        server.kill()
    stderr = server.stderr.read()
    assert said in stderr and "Traceback" not in stderr, stderr


def test_a_call_sent_with_the_handshake_waits_for_the_ledger_and_is_run_once(
    sqlite_initialised: tuple[Path, str],
) -> None:
    db, key = sqlite_initialised
    create = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "ts.tsk.create", "arguments": {"title": "t"}}}
    whoami = {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "ts.auth.whoami", "arguments": {}}}
    done = subprocess.run([sys.executable, "-m", "worktrail", "serve", "--db", str(db)],
                          input="".join(json.dumps(m) + "\n" for m in (HELLO, INITIALIZED, create, whoami)),
                          env={**os.environ, "WORKTRAIL_API_KEY": key}, capture_output=True, text=True, timeout=60)  # fmt: skip
    answers = {a["id"]: a for a in map(json.loads, done.stdout.splitlines())}
    assert done.returncode == 0 and sorted(answers) == [1, 2, 3], done.stderr[-2000:]
    assert answers[2]["result"]["structuredContent"]["title"] == "t"
    assert answers[3]["result"]["structuredContent"]["role"] == "owner"  # logged in by the key
    assert peek(db, "SELECT title FROM task") == [("t",)]
    assert peek(db, "SELECT COUNT(*) FROM instance") == [(0,)], "its instance left with it"
