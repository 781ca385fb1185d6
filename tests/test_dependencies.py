"""A task's dependencies: a cycle is refused with its path, also between racing writers; a task
is blocked by what it depends on until that is done, and ready when planned and unblocked."""

from __future__ import annotations

import anyio
import pytest

from tests.conftest import Agent, connect, scalar
from tests.servers import TRANSPORTS, Servers, real_servers
from tests.test_relations import depends, tasks
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio


async def test_a_cycle_is_refused_naming_the_path_that_would_close_it(owner: Agent) -> None:
    a, b, c = await tasks(owner, 3)
    await owner.ok("ts.rel.create", depends(a, b))
    await owner.ok("ts.rel.create", depends(b, c))
    error = await owner.err("ts.rel.create", depends(c, a))
    assert error["code"] == "invalid_input" and f"{c} -> {a} -> {b} -> {c}" in error["message"], error
    assert error["details"][0]["loc"] == ["target_entity_id"] and error["details"][0]["cycle"] == [c, a, b, c]
    two = await owner.err("ts.rel.create", depends(b, a))
    assert f"{b} -> {a} -> {b}" in two["message"]
    itself = await owner.err("ts.rel.create", depends(a, a))
    assert itself["code"] == "invalid_input" and f"{a} -> {a}" in itself["message"]
    assert (await owner.ok("ts.rel.list", {}))["total"] == 2
    await owner.ok("ts.rel.create", depends(a, c))  # a second path, no cycle


async def test_racing_writers_cannot_close_a_cycle_between_them(ledger: str, owner_key: str) -> None:
    stores = [await Store.open(str(ledger)) for _ in range(2)]  # two writers on one ledger, as two processes
    pairs = 12
    try:
        async with connect(stores[0], owner_key) as first, connect(stores[1], owner_key) as second:
            made = await tasks(first, pairs * 2)
            outcomes: list[tuple[int, bool, dict]] = []

            async def one(agent: Agent, pair: int, source: str, target: str) -> None:
                is_error, payload = await agent.call("ts.rel.create", depends(source, target))
                outcomes.append((pair, is_error, payload))

            async with anyio.create_task_group() as group:
                for pair in range(pairs):
                    a, b = made[2 * pair], made[2 * pair + 1]
                    group.start_soon(one, first, pair, a, b)
                    group.start_soon(one, second, pair, b, a)
        for pair in range(pairs):
            results = [(is_error, payload) for p, is_error, payload in outcomes if p == pair]
            assert sorted(is_error for is_error, _ in results) == [False, True], results
            refused = next(payload["error"] for is_error, payload in results if is_error)
            assert refused["code"] == "invalid_input" and "cycle" in refused["message"]
        assert await scalar(stores[0], "SELECT COUNT(*) FROM relation") == pairs
    finally:
        for s in stores:
            await s.close()


@pytest.mark.processes
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_server_processes_racing_cannot_close_a_cycle_between_them(
    store: Store, ledger: str, owner_key: str, transport: str
) -> None:
    pairs = 100  # enough that a check outside the insert's transaction loses a race on either store (seen)
    async with connect(store, owner_key) as owner:
        made = await tasks(owner, pairs * 2)
    refused: list[str] = []

    async def agent_window(servers: Servers, n: int) -> None:
        async with servers.client(n) as client:

            async def relate(pair: int) -> None:
                a, b = made[2 * pair], made[2 * pair + 1]
                result = await client.call_tool("ts.rel.create", depends(a, b) if n == 0 else depends(b, a))
                if result.is_error:
                    refused.append(result.structured_content["error"]["message"])

            async with anyio.create_task_group() as group:
                for pair in range(pairs):
                    group.start_soon(relate, pair)

    async with real_servers(ledger, owner_key, transport, 2) as servers:
        with anyio.fail_after(60):
            async with anyio.create_task_group() as group:
                for n in range(2):
                    group.start_soon(agent_window, servers, n)
    assert len(refused) == pairs and all("cycle" in message for message in refused), refused
    assert await scalar(store, "SELECT COUNT(*) FROM relation") == pairs
    closed = "SELECT COUNT(*) FROM relation r JOIN relation back ON back.source_entity_id = r.target_entity_id " \
             "AND back.target_entity_id = r.source_entity_id"  # fmt: skip
    assert await scalar(store, closed) == 0


async def test_blocked_by_lists_the_dependencies_not_done_and_a_canceled_one_blocks(owner: Agent) -> None:
    a, b, c = await tasks(owner, 3)
    assert (await owner.ok("ts.tsk.get", {"id": a}))["blocked_by"] == []
    await owner.ok("ts.rel.create", depends(a, b))
    made = await owner.ok("ts.rel.create", depends(a, c))
    assert (await owner.ok("ts.tsk.get", {"id": a}))["blocked_by"] == [b, c]
    await owner.ok("ts.tsk.update", {"id": b, "status": "active"})
    await owner.ok("ts.tsk.update", {"id": b, "status": "done"})
    await owner.ok("ts.tsk.cancel", {"id": c, "reason": "not needed"})
    assert (await owner.ok("ts.tsk.get", {"id": a}))["blocked_by"] == [c]
    await owner.ok("ts.rel.delete", {"id": made["id"]})
    assert (await owner.ok("ts.tsk.get", {"id": a}))["blocked_by"] == []
    await owner.ok("ts.tsk.update", {"id": b, "status": "active"})  # reopened: it blocks again
    assert (await owner.ok("ts.tsk.get", {"id": a}))["blocked_by"] == [b]


async def ready(owner: Agent, **more: object) -> list[str]:
    return [t["id"] for t in (await owner.ok("ts.tsk.list", {"ready": True, **more}))["tasks"]]


async def test_ready_lists_planned_tasks_whose_dependencies_are_all_done(owner: Agent, store: Store) -> None:
    a, b, c, d = await tasks(owner, 4)
    await owner.ok("ts.rel.create", depends(a, b))
    await owner.ok("ts.rel.create", depends(a, c))
    await owner.ok("ts.tsk.update", {"id": d, "status": "active"})
    assert await ready(owner) == [c, b]  # newest first; a waits, d is active
    for task in (b, c):
        await owner.ok("ts.tsk.update", {"id": task, "status": "active"})
        await owner.ok("ts.tsk.update", {"id": task, "status": "done"})
    assert await ready(owner) == [a]
    assert (await owner.ok("ts.tsk.list", {"ready": True}))["total"] == 1
    await owner.ok("ts.tsk.update", {"id": c, "status": "active"})  # reopened
    assert await ready(owner) == []
    assert await ready(owner, status=["active"]) == []
    await owner.ok("ts.tsk.update", {"id": c, "status": "done"})
    assert await ready(owner, limit=1, offset=0) == [a]
    assert len((await owner.ok("ts.tsk.list", {"ready": False}))["tasks"]) == 4
    counts = await scalar(store, "SELECT SUM(open_dependencies) FROM task")
    assert counts == 0, "every count back to 0 once every dependency is done"


async def test_a_relation_to_a_done_task_does_not_block_and_its_delete_changes_no_count(
    owner: Agent, store: Store
) -> None:
    a, b = await tasks(owner, 2)
    await owner.ok("ts.tsk.update", {"id": b, "status": "active"})
    await owner.ok("ts.tsk.update", {"id": b, "status": "done"})
    made = await owner.ok("ts.rel.create", depends(a, b))
    assert await ready(owner) == [a]
    await owner.ok("ts.rel.delete", {"id": made["id"]})
    assert await scalar(store, "SELECT open_dependencies FROM task WHERE id = ?", a) == 0
    assert await ready(owner) == [a]
