"""Races: exactly one of many concurrent moves wins; nothing lost or doubled across processes."""

from __future__ import annotations

import anyio
import pytest
from mcp import Client

from tests.conftest import Agent, connect, scalar, trail_total
from tests.servers import TRANSPORTS, Servers, real_servers
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio


async def race(agents: list[Agent], calls: int, tool: str, arguments: dict) -> list[tuple[bool, dict]]:
    outcomes: list[tuple[bool, dict]] = []

    async def one(agent: Agent) -> None:
        outcomes.append(await agent.call(tool, arguments))

    async with anyio.create_task_group() as group:
        for i in range(calls):
            group.start_soon(one, agents[i % len(agents)])
    return outcomes


def assert_exactly_one_won(outcomes: list[tuple[bool, dict]]) -> None:
    wins = [payload for is_error, payload in outcomes if not is_error]
    losses = [payload["error"] for is_error, payload in outcomes if is_error]
    assert len(wins) == 1, wins
    assert {e["code"] for e in losses} == {"invalid_transition"}
    assert all(e["details"]["current_status"] == "active" for e in losses)


async def test_many_concurrent_activations_on_one_connection_exactly_one_wins(owner: Agent) -> None:
    task = await owner.ok("ts.tsk.create", {"title": "contested"})
    assert_exactly_one_won(await race([owner], 40, "ts.tsk.update", {"id": task["id"], "status": "active"}))


async def test_racing_writers_on_separate_connections_exactly_one_wins(ledger: str, owner_key: str) -> None:
    stores = [await Store.open(str(ledger)) for _ in range(4)]  # four writers on one file, as four processes
    try:
        async with connect(stores[0], owner_key) as first:
            task = await first.ok("ts.tsk.create", {"title": "contested"})
            async with connect(stores[1], owner_key) as b, connect(stores[2], owner_key) as c:
                async with connect(stores[3], owner_key) as d:
                    outcomes = await race([first, b, c, d], 40, "ts.tsk.update", {"id": task["id"], "status": "active"})
        assert_exactly_one_won(outcomes)
        records = await scalar(
            stores[0], "SELECT COUNT(*) FROM change_record WHERE entity_id = ? AND action = 'update'", task["id"]
        )
        assert records == 1, "exactly one change record for the one move that happened"
    finally:
        for s in stores:
            await s.close()


@pytest.mark.processes
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_several_server_processes_share_one_ledger_without_losing_or_doubling(
    store: Store, ledger: str, owner_key: str, transport: str
) -> None:
    processes, per_process = 3, 15
    seed_store = await Store.open(str(ledger))
    try:
        async with connect(seed_store, owner_key) as seeder:
            contested = await seeder.ok("ts.tsk.create", {"title": "contested"})
    finally:
        await seed_store.close()
    created: list[str] = []
    activations: list[bool] = []

    async def agent_window(servers: Servers, n: int) -> None:
        async with servers.client(n, mode="legacy" if n % 2 else "auto") as client:

            async def create(i: int) -> None:
                result = await client.call_tool("ts.tsk.create", {"title": f"p{n}-t{i}"})
                assert not result.is_error, result.structured_content
                created.append(result.structured_content["id"])

            async with anyio.create_task_group() as group:
                for i in range(per_process):
                    group.start_soon(create, i)
                    group.start_soon(activate, client)

    async def activate(client: Client) -> None:
        result = await client.call_tool("ts.tsk.update", {"id": contested["id"], "status": "active"})
        activations.append(not result.is_error)

    async with real_servers(ledger, owner_key, transport, processes) as servers:
        with anyio.fail_after(60):
            async with anyio.create_task_group() as group:
                for n in range(processes):
                    group.start_soon(agent_window, servers, n)

    assert len(created) == len(set(created)) == processes * per_process
    assert activations.count(True) == 1 and len(activations) == processes * per_process
    assert await scalar(store, "SELECT COUNT(*) FROM task") == processes * per_process + 1
    creates = await trail_total(store, entity_type="task", action="create")
    assert creates == processes * per_process + 1
    status = await scalar(store, "SELECT status FROM task WHERE id = ?", contested["id"])
    assert status == "active"


@pytest.mark.processes
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_server_processes_racing_to_finish_one_run_leave_one_outcome(
    store: Store, ledger: str, owner_key: str, transport: str
) -> None:
    seed_store = await Store.open(str(ledger))
    try:
        async with connect(seed_store, owner_key) as seeder:
            ritual = await seeder.ok("ts.rtl.create", {"name": "contested", "prompt": "p"})
            run = await seeder.ok("ts.rtr.create", {"ritual_id": ritual["id"]})
    finally:
        await seed_store.close()
    answers: dict[str, bool] = {}

    async def finish(servers: Servers, n: int, status: str, mode: str) -> None:
        async with servers.client(n, mode=mode) as client:
            result = await client.call_tool(
                "ts.rtr.update", {"id": run["id"], "status": status, "result_summary": status}
            )
            answers[status] = not result.is_error
            if result.is_error:
                assert result.structured_content["error"]["code"] == "invalid_input"

    async with real_servers(ledger, owner_key, transport, 3) as servers:  # three clients, one winner
        with anyio.fail_after(60):
            async with anyio.create_task_group() as group:
                for n, (status, mode) in enumerate((("succeeded", "auto"), ("failed", "legacy"), ("skipped", "auto"))):
                    group.start_soon(finish, servers, n, status, mode)

    winners = [status for status, ok in answers.items() if ok]
    assert len(winners) == 1 and len(answers) == 3
    stored = (
        await scalar(store, "SELECT status FROM ritual_run WHERE id = ?", run["id"]),
        await scalar(store, "SELECT result_summary FROM ritual_run WHERE id = ?", run["id"]),
    )
    updates = await scalar(
        store, "SELECT COUNT(*) FROM change_record WHERE entity_id = ? AND action = 'update'", run["id"]
    )
    assert stored == (winners[0], winners[0]) and updates == 1
