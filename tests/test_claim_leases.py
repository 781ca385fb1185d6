"""A claim's lease: renewed by any write of its holder and by no one else's, ended when the task
leaves active or goes to someone else, and, once it runs out, ended by the stale-run sweep, which
puts the task back to planned, unassigned, once, however many sweep. Racing claims from several
stores (as from several processes) take each task exactly once."""

from __future__ import annotations

import anyio
import pytest

from tests.conftest import Agent, PinnedClock, connect, make_resource, scalar
from tests.test_claims import T0, made_at, member_at
from worktrail.domain.actor import Actor
from worktrail.domain.clock import parse_ts
from worktrail.store.audit import Origin
from worktrail.store.postgresql.database import PostgresqlDatabase
from worktrail.store.recovery import Durations
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio


async def test_a_write_of_the_holder_renews_the_lease_and_anothers_does_not(owner: Agent, store: Store) -> None:
    clock = PinnedClock(T0)
    async with member_at(owner, store, clock) as (holder, holder_id), member_at(owner, store, clock) as (other, _):
        task = await made_at(holder, clock, T0)
        await holder.ok("ts.tsk.claim", {"lease": "10m"})
        clock.set("2026-05-01T10:05:00Z")
        await other.ok("ts.tsk.update", {"id": task, "description": "a note from someone else"})  # today's rules
        seen = await other.ok("ts.tsk.get", {"id": task})
        assert (seen["lease_holder_id"], seen["lease_expires_at"]) == (holder_id, "2026-05-01T10:10:00Z")
        assert seen["description"] == "a note from someone else"
        await holder.ok("ts.tsk.update", {"id": task, "actual": 0.5})
        renewed = await holder.ok("ts.tsk.get", {"id": task})
        assert (renewed["lease_holder_id"], renewed["lease_expires_at"]) == (holder_id, "2026-05-01T10:15:00Z")
        history = (await owner.ok("ts.aud.list", {"entity_id": task}))["records"]
        assert history[-1]["changes"]["lease_expires_at"] == ["2026-05-01T10:10:00Z", "2026-05-01T10:15:00Z"]
        assert "lease_expires_at" not in history[-2]["changes"]  # the other's write


@pytest.mark.parametrize(
    ("by", "change", "status"),
    [("holder", {"status": "done"}, "done"), ("owner", {"status": "planned"}, "planned"),
     ("holder", {"status": "canceled", "canceled_reason": "not needed"}, "canceled"),
     ("owner", {"assignee_id": "someone"}, "active")],
)  # fmt: skip
async def test_the_lease_ends_when_the_task_leaves_active_or_goes_to_someone_else(
    owner: Agent, store: Store, by: str, change: dict, status: str
) -> None:
    clock = PinnedClock(T0)
    async with member_at(owner, store, clock) as (holder, holder_id):
        task = await made_at(holder, clock, T0)
        await holder.ok("ts.tsk.claim")
        if change.get("assignee_id") == "someone":
            change = {"assignee_id": (await make_resource(owner, "member"))[0]}
        await (holder if by == "holder" else owner).ok("ts.tsk.update", {"id": task, **change})
        after = await owner.ok("ts.tsk.get", {"id": task})
        assert after["status"] == status and "lease_holder_id" not in after and "lease_expires_at" not in after
        assert await scalar(store, "SELECT lease_seconds FROM task WHERE id = ?", task) is None
        history = (await owner.ok("ts.aud.list", {"entity_id": task}))["records"]
        assert history[-1]["changes"]["lease_holder_id"] == [holder_id, None]
        clock.set("2026-05-02T10:00:00Z")
        assert (await owner.ok("ts.run.sweep"))["changed"] == []  # nothing left to put back


async def test_the_sweep_puts_back_a_task_whose_lease_ran_out(owner: Agent, store: Store, owner_key: str) -> None:
    clock = PinnedClock(T0)
    async with member_at(owner, store, clock) as (holder, holder_id), connect(store, owner_key, clock=clock) as admin:
        task = await made_at(holder, clock, T0)
        await holder.ok("ts.tsk.claim", {"lease": "5m"})
        for held in ("2026-05-01T10:04:59Z", "2026-05-01T10:05:00Z"):  # through the second it names
            clock.set(held)
            assert (await admin.ok("ts.run.sweep"))["changed"] == [], held  # until then the claimant holds it
            assert (await admin.ok("ts.run.stale"))["candidates"] == []
        clock.set("2026-05-01T10:06:00Z")
        why = f"lease expired: held by {holder_id} until 2026-05-01T10:05:00Z"
        expected = [{"kind": "task", "id": task, "from": "active", "to": "planned", "reason": why}]
        assert (await admin.ok("ts.run.stale"))["candidates"] == expected  # the dry run changes nothing
        assert (await admin.ok("ts.tsk.get", {"id": task}))["status"] == "active"
        assert (await admin.ok("ts.run.sweep"))["changed"] == expected
        back = await admin.ok("ts.tsk.get", {"id": task})
        assert back["status"] == "planned" and not {"assignee_id", "lease_holder_id", "lease_expires_at"} & set(back)
        record = (await admin.ok("ts.aud.list", {"entity_id": task}))["records"][-1]
        assert (record["action"], record["tool"], record["changes"]["reason"]) == ("sweep", "ts.run.sweep", [None, why])
        assert record["changes"]["lease_holder_id"] == [holder_id, None]
        assert record["changes"]["assignee_id"] == [holder_id, None]
        assert (await admin.ok("ts.run.sweep"))["changed"] == []  # nothing is done twice
        refused = await holder.err("ts.tsk.update", {"id": task, "status": "done"})  # no longer its
        assert refused["code"] == "invalid_transition"
        assert (await holder.ok("ts.tsk.claim"))["task"]["id"] == task  # back in the pool


async def test_stores_sweeping_at_once_put_each_expired_lease_back_once(
    ledger: str, owner: Agent, store: Store
) -> None:
    made = [(await owner.ok("ts.tsk.create", {"title": f"t{i}"}))["id"] for i in range(10)]
    for _ in made:
        await owner.ok("ts.tsk.claim", {"lease": "5s"})
    later = parse_ts(T0).replace(year=2030)
    stores = [await Store.open(ledger) for _ in range(3)]
    results: list[list[dict]] = []
    try:

        async def sweep(s: Store) -> None:
            results.append(await s.recovery.sweep(Origin(None, "test", "2030-05-01T10:00:00Z"), later, Durations()))

        async with anyio.create_task_group() as group:
            for s in stores:
                group.start_soon(sweep, s)
    finally:
        for s in stores:
            await s.close()
    assert sorted(c["id"] for r in results for c in r) == sorted(made)
    assert await scalar(store, "SELECT COUNT(*) FROM task WHERE status = 'planned' AND lease_holder_id IS NULL") == 10


async def test_racing_claims_from_several_stores_take_each_task_exactly_once(
    ledger: str, owner: Agent, store: Store
) -> None:
    tasks, claimers, stores_count = 30, 8, 3
    made = {(await owner.ok("ts.tsk.create", {"title": f"t{i}"}))["id"] for i in range(tasks)}
    agents = [await make_resource(owner, "member") for _ in range(claimers)]
    stores = [await Store.open(ledger) for _ in range(stores_count)]  # as several processes on one ledger
    taken: list[tuple[str, str]] = []
    empty_handed: list[int] = []
    try:

        async def claimer(n: int) -> None:
            resource_id, key = agents[n]
            async with connect(stores[n % stores_count], key) as agent:
                while True:
                    got = (await agent.ok("ts.tsk.claim"))["task"]
                    if got is None:  # nothing ready at its turn: none may be ready after it either
                        empty_handed.append(await scalar(store, "SELECT COUNT(*) FROM task WHERE status = 'planned'"))
                        return
                    assert got["lease_holder_id"] == resource_id == got["assignee_id"]
                    taken.append((got["id"], resource_id))

        with anyio.fail_after(120):
            async with anyio.create_task_group() as group:
                for n in range(claimers):
                    group.start_soon(claimer, n)
    finally:
        for s in stores:
            await s.close()
    assert sorted(t for t, _ in taken) == sorted(made), "each task exactly once"
    assert empty_handed == [0] * claimers, "no claimer got null while a task was still ready"
    assert await scalar(store, "SELECT COUNT(*) FROM task WHERE status = 'active'") == tasks
    held = await scalar(store, "SELECT COUNT(*) FROM change_record WHERE tool = 'ts.tsk.claim'")
    assert held == tasks


async def _until_waiting_for_the_write_lock(store: Store) -> None:
    """Until another claimer waits for the ledger's write lock: on PostgreSQL its advisory lock
    not yet granted; on SQLite its wait on the writer's thread, where every other task blocks."""
    await anyio.wait_all_tasks_blocked()
    if isinstance(store.db, PostgresqlDatabase):
        with anyio.fail_after(10):
            while not await scalar(store, "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"):
                await anyio.sleep(0.01)


async def test_a_claimer_that_rolls_back_leaves_the_task_to_the_claimer_waiting_behind_it(
    ledger: str, owner: Agent, store: Store
) -> None:
    """No claimer passes over a task another claimer has picked but not committed (as `FOR UPDATE
    SKIP LOCKED` would), so a rollback cannot leave the one waiting behind it with null."""
    task = (await owner.ok("ts.tsk.create", {"title": "the only one"}))["id"]
    first = owner.session.actor
    second_id, _ = await make_resource(owner, "member")
    second = Actor(second_id, "second", "member", "key_none")
    other = await Store.open(ledger)  # the second claimer, as another process
    got: list[dict | None] = []
    try:
        async with anyio.create_task_group() as group:
            async with store.db.hold(10):  # the first claim's transaction, held open (a keyed call's)
                assert first is not None
                picked = await store.claims.claim(Origin(first.resource_id, "ts.tsk.claim", T0), first, None, None, None)
                assert picked is not None and picked["id"] == task

                async def claim_behind() -> None:
                    got.append(await other.claims.claim(Origin(second_id, "ts.tsk.claim", T0), second, None, None, None))

                group.start_soon(claim_behind)
                await _until_waiting_for_the_write_lock(store)
            # left without committing: the first claim rolls back
    finally:
        await other.close()
    assert got and got[0] is not None and got[0]["id"] == task and got[0]["lease_holder_id"] == second_id
