"""Retries from several real `worktrail serve` processes on one ledger, and after a crash: a keyed
write has its effect exactly once, and every retry answers the first result."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters

from tests.conftest import column, scalar, trail_total
from tests.servers import TRANSPORTS, Servers, real_servers
from worktrail.store.store import Store

pytestmark = [pytest.mark.anyio, pytest.mark.processes]

PROCESSES = 4
REPEATS = 20


def serve_params(db: Path, api_key: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable, args=["-m", "worktrail", "serve", "--db", str(db)], env={"WORKTRAIL_API_KEY": api_key}
    )


async def count(ledger: str, sql: str, *params: object) -> int:
    """One count, read from the ledger as another process would."""
    store = await Store.open(ledger, access="read_only")
    try:
        return int(await scalar(store, sql, *params))
    finally:
        await store.close()


async def from_every_process(
    db: Path, api_key: str, tool: str, arguments: dict[str, Any], transport: str = "stdio"
) -> list[Any]:
    """REPEATS identical calls, spread over PROCESSES server processes, all in flight at once."""
    answers: list[Any] = []

    async def window(servers: Servers, n: int) -> None:
        async with servers.client(n, mode="legacy" if n % 2 else "auto") as client:
            async with anyio.create_task_group() as calls:
                for _ in range(REPEATS // PROCESSES):
                    calls.start_soon(lambda: _send(client, tool, arguments, answers))

    async with real_servers(db, api_key, transport, PROCESSES) as servers:
        async with anyio.create_task_group() as group:
            for n in range(PROCESSES):
                group.start_soon(window, servers, n)
    return answers


async def _send(client: Client, tool: str, arguments: dict[str, Any], answers: list[Any]) -> None:
    answers.append(await client.call_tool(tool, arguments))


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_one_create_sent_twenty_times_from_four_processes_creates_one_task(
    ledger: str, owner_key: str, transport: str
) -> None:
    answers = await from_every_process(
        ledger, owner_key, "ts.tsk.create", {"title": "once", "idempotency_key": "c1"}, transport
    )
    assert len(answers) == REPEATS and not [a for a in answers if a.is_error]
    assert len({json.dumps(a.structured_content, sort_keys=True) for a in answers}) == 1  # one id, one timestamp
    task_id = answers[0].structured_content["id"]
    assert await count(ledger, "SELECT COUNT(*) FROM task") == 1
    store = await Store.open(ledger, access="read_only")
    try:
        assert await trail_total(store, entity_id=task_id) == 1
    finally:
        await store.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_one_status_move_sent_twenty_times_from_four_processes_moves_once(
    ledger: str, owner_key: str, transport: str
) -> None:
    async with Client(serve_params(ledger, owner_key)) as client:
        task = (await client.call_tool("ts.tsk.create", {"title": "t"})).structured_content
    move = {"id": task["id"], "status": "active", "idempotency_key": "start-t"}
    answers = await from_every_process(ledger, owner_key, "ts.tsk.update", move, transport)
    assert not [a.structured_content for a in answers if a.is_error]  # no "already active"
    assert len({json.dumps(a.structured_content, sort_keys=True) for a in answers}) == 1
    updates = "SELECT COUNT(*) FROM change_record WHERE entity_id = ? AND action = 'update'"
    assert await count(ledger, updates, task["id"]) == 1


def _line(message: dict[str, Any]) -> str:
    return json.dumps(message) + "\n"


async def test_keyed_writes_cut_off_by_sigkill_happen_exactly_once_when_retried(ledger: str, owner_key: str) -> None:
    keys = [f"crash-{i}" for i in range(40)]
    server = subprocess.Popen(
        [sys.executable, "-m", "worktrail", "serve", "--db", str(ledger)],
        env={**os.environ, "WORKTRAIL_API_KEY": owner_key},
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert server.stdin is not None and server.stdout is not None
    server.stdin.write(_line({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "mcp", "version": "1"}}}))  # fmt: skip
    server.stdin.flush()
    server.stdout.readline()
    server.stdin.write(_line({"jsonrpc": "2.0", "method": "notifications/initialized"}))
    for i, key in enumerate(keys, start=1):  # all in flight, none waited for
        call = {"name": "ts.tsk.create", "arguments": {"title": key, "idempotency_key": key}}
        server.stdin.write(_line({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": call}))
    server.stdin.flush()
    server.stdout.readline()  # at least one answered: the rest are somewhere between nowhere and done
    time.sleep(0.01)
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=10)
    done_before = await count(ledger, "SELECT COUNT(*) FROM task")
    assert 1 <= done_before <= len(keys)

    async with Client(serve_params(ledger, owner_key)) as client:
        for key in keys:
            answer = await client.call_tool("ts.tsk.create", {"title": key, "idempotency_key": key})
            assert not answer.is_error and answer.structured_content["title"] == key
    store = await Store.open(ledger, access="read_only")
    try:
        titles = sorted(await column(store, "SELECT title FROM task"))
        creates = await trail_total(store, entity_type="task")
        kept = await scalar(store, "SELECT COUNT(*) FROM idempotency_key")
    finally:
        await store.close()
    assert titles == sorted(keys) and creates == len(keys) and kept == len(keys)
