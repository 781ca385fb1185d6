"""A claimant that dies holds its task until its lease runs out, then the sweep gives the task back
(issue 32): a `worktrail serve` process claims the ledger's one ready task with a 5 s lease and
is SIGKILLed; another agent's claim does not get the task while the lease lasts; after it, the
periodic sweep of the other agent's server (`--sweep-every 1s`) returns the task to `planned`,
unassigned, with a change record that says the lease expired and whose it was, and the other
agent's claim takes it. On either store, the other agent over stdio or streamable HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.types import Implementation

from tests.conftest import Agent, connect, make_resource
from tests.servers import TRANSPORTS, http_client, start_http, stop
from worktrail.domain.clock import parse_ts
from worktrail.store.store import Store

pytestmark = [pytest.mark.anyio, pytest.mark.processes]

SWEEP = ["--sweep-every", "1s"]


def _line(message: dict[str, Any]) -> str:
    return json.dumps(message) + "\n"


def claim_and_die(ledger: str, api_key: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """A `worktrail serve` process over stdio claims once, as an agent's host drives it, and is
    SIGKILLed once the answer is read: the answer's structured content."""
    server = subprocess.Popen(
        [sys.executable, "-m", "worktrail", "serve", "--db", ledger],
        env={**os.environ, "WORKTRAIL_API_KEY": api_key},
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert server.stdin is not None and server.stdout is not None
    try:
        server.stdin.write(_line({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "mcp", "version": "1"}}}))  # fmt: skip
        server.stdin.write(_line({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        call = {"name": "ts.tsk.claim", "arguments": arguments}
        server.stdin.write(_line({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": call}))
        server.stdin.flush()
        for line in server.stdout:
            message = json.loads(line)
            if message.get("id") == 1:
                assert "result" in message, message
                assert not message["result"].get("isError"), message["result"]
                return dict(message["result"]["structuredContent"])
        raise AssertionError("the claimant's server ended without answering its claim")
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)


@asynccontextmanager
async def other_agent(ledger: str, api_key: str, transport: str) -> AsyncIterator[Agent]:
    """Another agent, through a server process of its own that sweeps every second."""
    if transport == "stdio":
        params = StdioServerParameters(command=sys.executable, args=["-m", "worktrail", "serve", "--db", ledger, *SWEEP],
                                       env={"WORKTRAIL_API_KEY": api_key})  # fmt: skip
        async with Client(params, client_info=Implementation(name="mcp", version="1")) as client:
            yield Agent(client, None)  # type: ignore[arg-type]
        return
    process, url = start_http(ledger, *SWEEP, stderr=subprocess.DEVNULL)  # type: ignore[arg-type]
    try:
        async with http_client(url, api_key) as client:
            yield Agent(client, None)  # type: ignore[arg-type]
    finally:
        stop(process)


def now() -> datetime:
    return datetime.now(UTC)


async def until(deadline: float, check: Any) -> Any:
    """`check()`'s answer once it is truthy, asked every 0.2 s until the monotonic `deadline`."""
    while True:
        answer = await check()
        if answer or time.monotonic() > deadline:
            return answer
        await anyio.sleep(0.2)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_sigkilled_claimants_task_is_held_until_its_lease_runs_out_then_swept_back_and_claimed(
    store: Store, ledger: str, owner_key: str, transport: str
) -> None:
    async with connect(store, owner_key) as owner:
        task = await owner.ok("ts.tsk.create", {"title": "the only ready task"})
        dead_id, dead_key = await make_resource(owner, "member", "claimant-that-dies")
        alive_id, alive_key = await make_resource(owner, "member", "claimant-that-lives")
        async with other_agent(ledger, alive_key, transport) as alive:
            claimed = (await anyio.to_thread.run_sync(claim_and_die, ledger, dead_key, {"lease": "5s"}))["task"]
            assert claimed is not None and claimed["id"] == task["id"], claimed
            assert (claimed["status"], claimed["assignee_id"], claimed["lease_holder_id"]) == ("active", dead_id, dead_id)
            expires = parse_ts(claimed["lease_expires_at"])
            assert 4 <= (expires - parse_ts(claimed["started_at"])).total_seconds() <= 6, claimed

            # Its claimant is gone, its lease is not: the task is still held.
            assert await alive.ok("ts.tsk.claim", {}) == {"task": None}
            named = await alive.err("ts.tsk.claim", {"id": task["id"]})
            assert named["code"] == "conflict" and dead_id in json.dumps(named), named
            held = await alive.ok("ts.tsk.get", {"id": task["id"]})
            assert (held["status"], held["assignee_id"], held["lease_holder_id"]) == ("active", dead_id, dead_id)
            assert now() < expires, "the checks while the lease lasts took longer than the lease (a loaded machine?)"

            async def swept_back() -> dict[str, Any] | None:
                seen = await alive.ok("ts.tsk.get", {"id": task["id"]})
                return seen if seen["status"] == "planned" else None

            back = await until(time.monotonic() + 30 + (expires - now()).total_seconds(), swept_back)
            assert back is not None, "the sweep never returned the task of an expired lease"
            assert now() >= expires
            assert back.get("assignee_id") is None and back.get("lease_holder_id") is None, back
            assert back.get("lease_expires_at") is None and back["blocked_by"] == [], back

            history = (await owner.ok("ts.aud.list", {"entity_id": task["id"]}))["records"]
            record = history[-1]
            said = json.dumps(record).lower()
            assert "lease" in said and "expire" in said and dead_id in said, record
            assert record["changes"]["status"] == ["active", "planned"], record
            assert record["changes"]["assignee_id"] == [dead_id, None], record
            assert parse_ts(record["at"]) >= expires, record

            again = (await alive.ok("ts.tsk.claim", {}))["task"]
            assert again is not None and again["id"] == task["id"], again
            assert (again["status"], again["assignee_id"], again["lease_holder_id"]) == ("active", alive_id, alive_id)
            assert parse_ts(again["lease_expires_at"]) > expires
