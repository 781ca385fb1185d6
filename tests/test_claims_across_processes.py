"""Agents racing `ts.tsk.claim` from many processes on one ledger, on either store (issue 32):
eight agents, each its own member resource and key, claim from 1,000 ready tasks until each is
told `{task: null}`; every task is taken exactly once, by the agent the answer names, none is
left planned, and no agent is told nothing is ready while a task still was. Over stdio each agent
is a `worktrail serve` process of its own; over streamable HTTP each is a client process of its
own, four to each of two `serve --http` processes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.types import Implementation

from tests.claimant import claim_until_none
from tests.conftest import connect, make_resource
from tests.servers import start_http, stop
from worktrail.domain.clock import SystemClock, format_ts
from worktrail.store.audit import Origin
from worktrail.store.connection import Connection
from worktrail.store.store import Store
from worktrail.store.tasks import tasks

pytestmark = [pytest.mark.anyio, pytest.mark.processes]

AGENTS = 8
TASKS = 1_000
ROOT = Path(__file__).resolve().parent.parent


async def ready_tasks(store: Store, count: int) -> set[str]:
    """`count` planned tasks with no dependencies, made in one transaction (as 1,000 creates would)."""
    origin = Origin(None, "test", format_ts(SystemClock().now()))

    async def make(conn: Connection) -> list[str]:
        return [await tasks.create(conn, origin, {"title": f"t{n}"}) for n in range(count)]

    return set(await store.db.write(make))


async def members(store: Store, owner_key: str, count: int) -> list[tuple[str, str]]:
    """`count` agents of role member, each with a key of its own: [(resource_id, api_key)]."""
    async with connect(store, owner_key) as owner:
        return [await make_resource(owner, "member", f"agent-{n}") for n in range(count)]


def stdio_client(ledger: str, api_key: str, mode: str) -> Client:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "worktrail", "serve", "--db", ledger], env={"WORKTRAIL_API_KEY": api_key}
    )
    return Client(params, mode=mode, client_info=Implementation(name="mcp", version="1"))


async def count(store: Store, sql: str, *params: object) -> int:
    async def read(conn: Connection) -> int:
        row = await conn.fetchone(sql, params)
        return int(row[0]) if row else 0

    return await store.db.read(read)


async def assert_each_taken_once(store: Store, runs: dict[str, list[dict[str, Any]]], made: set[str]) -> None:
    """What the agents were answered, and what the ledger holds, say each task went to one agent."""
    errors = {agent: claims[-1] for agent, claims in runs.items() if claims and "error" in claims[-1]}
    assert errors == {}, f"refused claims: {errors}"
    for agent, claims in runs.items():
        assert claims and claims[-1]["task"] is None, f"{agent} never heard {{task: null}}: {claims[-1:]}"
        assert [c for c in claims[:-1] if c["task"] is None] == [], f"{agent} stopped at the first null"
        for claim in claims[:-1]:
            task = claim["task"]
            assert (task["status"], task.get("assignee_id"), task.get("lease_holder_id")) == (
                "active", agent, agent), task  # fmt: skip
            assert task.get("lease_expires_at", "").endswith("Z") and task.get("started_at"), task
    taken = [c["task"]["id"] for claims in runs.values() for c in claims if c.get("task")]
    twice = {task_id: n for task_id, n in Counter(taken).items() if n > 1}
    assert twice == {}, f"tasks given to more than one claim: {twice}"
    assert set(taken) == made, f"{len(made - set(taken))} ready tasks never taken, {len(set(taken) - made)} unknown"
    assert len({agent for agent, claims in runs.items() if len(claims) > 1}) > 1, "one agent took everything"
    # Claims only take tasks here: once one agent has been told nothing is ready, a claim sent
    # after that answer that still gets a task shows a ready task was skipped.
    first_none = min(claims[-1]["answered"] for claims in runs.values())
    late = [c["task"]["id"] for claims in runs.values() for c in claims if c.get("task") and c["sent"] > first_none]
    assert late == [], f"told {{task: null}} while {len(late)} tasks were still ready: {late[:5]}"
    assert await count(store, "SELECT COUNT(*) FROM task WHERE status = 'planned'") == 0
    for agent, claims in runs.items():
        held = await count(store, "SELECT COUNT(*) FROM task WHERE status = 'active' AND assignee_id = ?", agent)
        assert held == len(claims) - 1, agent


async def test_eight_stdio_server_processes_claim_a_thousand_ready_tasks_each_exactly_once(
    store: Store, ledger: str, owner_key: str
) -> None:
    made = await ready_tasks(store, TASKS)
    agents = await members(store, owner_key, AGENTS)
    runs: dict[str, list[dict[str, Any]]] = {}

    async def agent(n: int, resource_id: str, api_key: str) -> None:
        async with stdio_client(ledger, api_key, "legacy" if n % 2 else "auto") as client:
            runs[resource_id] = await claim_until_none(client)

    async with anyio.create_task_group() as group:
        for n, (resource_id, api_key) in enumerate(agents):
            group.start_soon(agent, n, resource_id, api_key)
    await assert_each_taken_once(store, runs, made)


async def test_eight_http_client_processes_claim_a_thousand_ready_tasks_each_exactly_once(
    store: Store, ledger: str, owner_key: str
) -> None:
    made = await ready_tasks(store, TASKS)
    agents = await members(store, owner_key, AGENTS)
    servers: list[subprocess.Popen[str]] = []
    clients: list[subprocess.Popen[str]] = []

    async def serve() -> None:  # the two start together
        process, url = await anyio.to_thread.run_sync(lambda: start_http(ledger, stderr=subprocess.DEVNULL))  # type: ignore[arg-type]
        servers.append(process)
        urls.append(url)

    urls: list[str] = []
    try:
        async with anyio.create_task_group() as group:
            for _ in range(2):
                group.start_soon(serve)
        clients += [
            subprocess.Popen(
                [sys.executable, "-m", "tests.claimant", urls[n % 2], api_key, "legacy" if n % 4 >= 2 else "auto"],
                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            for n, (_, api_key) in enumerate(agents)
        ]
        outputs = [await anyio.to_thread.run_sync(lambda p=p: p.communicate(timeout=120)) for p in clients]
    finally:
        for client in clients:
            if client.poll() is None:  # a client stuck: the test has failed already
                client.kill()
                client.wait()
        with ThreadPoolExecutor(len(servers) or 1) as stopping:  # both drain at once
            list(stopping.map(stop, servers))
    for process, (_, stderr) in zip(clients, outputs, strict=True):
        assert process.returncode == 0, stderr[-3000:]
    runs = {resource_id: json.loads(out) for (resource_id, _), (out, _) in zip(agents, outputs, strict=True)}
    await assert_each_taken_once(store, runs, made)
