"""A task update on PostgreSQL read first, then written by one call of worktrail_update_task
(store/postgresql/read_first.py, update_function.py): what the function is given is what is
written, a row changed between the read and the write is decided again under the lock (its status
moved, or a write that keeps its version: a lease's renewal), as is a row written elsewhere since
this process wrote it (which its next update decides on without reading it), and a retried
idempotency key still writes once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import Any

import asyncpg
import pytest

from tests.conftest import POSTGRESQL, connect, make_resource, scalar
from worktrail.domain.clock import SystemClock, format_ts, parse_ts
from worktrail.store.audit import Origin
from worktrail.store.locator import locate
from worktrail.store.postgresql.database import WRITE_LOCK
from worktrail.store.store import Store

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.store,
    pytest.mark.skipif(not POSTGRESQL, reason="needs a PostgreSQL server: set WORKTRAIL_TEST_POSTGRESQL"),
]


async def _pid(store: Store) -> int:
    """The server process of the store's one pooled connection."""
    async with store.db._require().acquire() as raw:  # type: ignore[attr-defined]
        return int(raw.get_server_pid())


async def _owner_key(store: Store) -> str:
    return (await store.keys.bootstrap_owner(Origin(None, "test", format_ts(SystemClock().now())), "owner"))[2]


async def _raced(ledger: str, pid: int, call: Awaitable[Any], race: str, *params: Any) -> Any:
    """`call`, with the ledger's write lock held elsewhere until `call`'s connection (`pid`) waits
    for it; then `race` is written under that lock, committed, and the lock let go."""
    admin = await asyncpg.connect(locate(ledger).url)
    try:
        async with admin.transaction():
            await admin.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)
            running = asyncio.ensure_future(call)
            deadline = time.monotonic() + 20
            waiting = "SELECT 1 FROM pg_locks WHERE pid = $1 AND locktype = 'advisory' AND NOT granted"
            while await admin.fetchval(waiting, pid) is None:
                assert time.monotonic() < deadline and not running.done(), "the update never waited for the lock"
                await asyncio.sleep(0.005)
            await admin.execute(race, *params)
        return await running
    finally:
        await admin.close()


async def _updates(store: Store, task_id: str) -> int:
    return await scalar(store, "SELECT COUNT(*) FROM change_record WHERE entity_id = ? AND action = 'update'", task_id)


async def test_a_move_made_between_the_read_and_the_write_is_decided_again_under_the_lock(
    one_connection: tuple[Store, list[str]], ledger: str
) -> None:
    store, sent = one_connection
    pid = await _pid(store)
    async with connect(store, await _owner_key(store)) as owner:
        task = (await owner.ok("ts.tsk.create", {"title": "raced"}))["id"]
        await owner.ok("ts.tsk.update", {"id": task, "status": "active"})
        before = len(sent)
        refused, answer = await _raced(ledger, pid, owner.call("ts.tsk.update", {"id": task, "status": "planned"}),
                                  "UPDATE task SET status = 'done', completed_at = started_at, version = version + 1"
                                  " WHERE id = $1", task)  # fmt: skip
        assert any("worktrail_update_task" in query for query in sent[before:]), "it went through the function"
        assert refused and answer["error"]["code"] == "invalid_transition", answer  # done -> planned is refused
        assert answer["error"]["details"]["current_status"] == "done"
        shown = await owner.ok("ts.tsk.get", {"id": task})
        assert (shown["status"], shown["version"]) == ("done", 3)
        assert await _updates(store, task) == 1  # the activation only


async def test_a_lease_renewed_between_the_read_and_the_write_is_renewed_as_it_now_stands(
    one_connection: tuple[Store, list[str]], ledger: str
) -> None:
    """A holder's renewal keeps the task's version (claims.py): the function compares the row as
    read (its xmin), so the holder's next write renews by the length the row holds now."""
    store, _ = one_connection
    pid = await _pid(store)
    async with connect(store, await _owner_key(store)) as owner:
        _, key = await make_resource(owner, "member")
        async with connect(store, key) as holder:
            task = (await holder.ok("ts.tsk.create", {"title": "leased"}))["id"]
            await holder.ok("ts.tsk.claim", {"id": task, "lease": "10m"})
            refused, answer = await _raced(ledger, pid, holder.call("ts.tsk.update", {"id": task, "actual": 0.5}),
                                           "UPDATE task SET lease_seconds = 7200 WHERE id = $1", task)  # fmt: skip
            assert not refused, answer
            seen = await holder.ok("ts.tsk.get", {"id": task})
            left = parse_ts(seen["lease_expires_at"]) - SystemClock().now()
            assert left.total_seconds() > 3600, seen  # two hours from the write, not ten minutes
            assert seen["actual"] == 0.5


async def test_what_the_function_is_given_is_what_is_written(one_connection: tuple[Store, list[str]]) -> None:
    store, sent = one_connection
    async with connect(store, await _owner_key(store)) as owner:
        task = (await owner.ok("ts.tsk.create", {"title": "plain"}))["id"]
        change = {"id": task, "title": "Zoë's $$ \"zanzibar\" \\ ');--", "description": "line\nnext\ttab ☃",
                  "estimate": 0.1, "actual": 1e-7, "due_date": "2026-12-31",
                  "metadata": {"nested": {"list": [1, 2.5, None, "é"]}, "quote": "'\""}}  # fmt: skip
        before = len(sent)
        await owner.ok("ts.tsk.update", change)
        assert len(sent) - before == 2 and "worktrail_update_task" in sent[-1]
        shown = await owner.ok("ts.tsk.get", {"id": task})
        assert {name: shown[name] for name in change} == change
        assert shown["version"] == 2
        found = await owner.ok("ts.tsk.list", {"search": "zanzib"})
        assert [t["id"] for t in found["tasks"]] == [task], "the search entry follows the new title"
        history = (await owner.ok("ts.aud.list", {"entity_id": task}))["records"]
        assert history[-1]["changes"]["title"] == ["plain", change["title"]]
        assert await scalar(store, "SELECT version FROM change_record WHERE entity_id = ? ORDER BY rowid DESC", task) == 2


async def test_a_retried_key_writes_once_beside_the_function(one_connection: tuple[Store, list[str]]) -> None:
    """A keyed update keeps its held transaction (the key, the work and its answer commit together),
    retried at once from two sessions and once more after."""
    store, _ = one_connection
    owner_key = await _owner_key(store)
    async with connect(store, owner_key) as first, connect(store, owner_key) as second:
        task = (await first.ok("ts.tsk.create", {"title": "keyed"}))["id"]
        keyed = {"id": task, "status": "active", "idempotency_key": "activate-once"}
        answers = await asyncio.gather(first.call("ts.tsk.update", keyed), second.call("ts.tsk.update", keyed))
        again = await first.call("ts.tsk.update", keyed)
        assert not any(refused for refused, _ in answers) and not again[0], (answers, again)
        assert answers[0][1] == answers[1][1] == again[1]
        await first.ok("ts.tsk.update", {"id": task, "title": "then unkeyed"})  # the function's way
        assert await _updates(store, task) == 2
        assert (await first.ok("ts.tsk.get", {"id": task}))["version"] == 3


async def test_a_row_written_elsewhere_since_this_process_wrote_it_is_decided_as_it_now_stands(
    one_connection: tuple[Store, list[str]], ledger: str
) -> None:
    """The process's next update decides on the row it wrote last, without reading it; another
    process's move since (a new version), or a renewal of the lease (the same version), makes the
    function write nothing, and the update is decided again on the row as it is."""
    store, sent = one_connection
    elsewhere = await Store.open(ledger)  # another process's store on the same ledger
    try:
        async with connect(store, await _owner_key(store)) as owner:
            _, key = await make_resource(owner, "member")
            async with connect(store, key) as holder, connect(elsewhere, key) as other:
                task = (await holder.ok("ts.tsk.create", {"title": "kept"}))["id"]
                await holder.ok("ts.tsk.claim", {"id": task, "lease": "10m"})
                await holder.ok("ts.tsk.update", {"id": task, "actual": 0.25})  # read, written, kept
                before = len(sent)
                await holder.ok("ts.tsk.update", {"id": task, "actual": 0.5})
                assert len(sent) - before == 1, sent[before:]  # decided on the row it kept
                admin = await asyncpg.connect(locate(ledger).url)
                try:  # as a holder's claim of its own task renews it: no version, no change record
                    await admin.execute("UPDATE task SET lease_seconds = 7200 WHERE id = $1", task)
                finally:
                    await admin.close()
                await holder.ok("ts.tsk.update", {"id": task, "actual": 0.75})
                seen = await holder.ok("ts.tsk.get", {"id": task})
                left = parse_ts(seen["lease_expires_at"]) - SystemClock().now()
                assert left.total_seconds() > 3600 and seen["actual"] == 0.75, seen  # renewed by two hours
                await other.ok("ts.tsk.update", {"id": task, "status": "done"})
                refused = await holder.err("ts.tsk.update", {"id": task, "status": "planned"})
                assert (refused["code"], refused["details"]["current_status"]) == ("invalid_transition", "done")
                assert (await holder.ok("ts.tsk.get", {"id": task}))["version"] == seen["version"] + 1
                assert await _updates(store, task) == 5  # the claim, 0.25, 0.5, 0.75 and elsewhere's done; no more
    finally:
        await elsewhere.close()


async def test_a_refusal_after_the_function_wrote_is_not_run_again(one_connection: tuple[Store, list[str]]) -> None:
    """The function's own transaction has committed once it answers: a refusal raised after it (no
    unit raises one today) is the caller's to hear, never a reason to run the unit again the usual
    way, which could write it a second time."""
    from worktrail.domain.actor import Actor
    from worktrail.domain.errors import ToolError
    from worktrail.store.tasks.tasks import update

    store, sent = one_connection
    origin = Origin(None, "test", format_ts(SystemClock().now()))
    owner = (await store.keys.bootstrap_owner(origin, "owner"))[0]
    task = await store.tasks.create(origin, {"title": "once"})
    actor = Actor(owner["id"], "owner", "owner", "key_none")

    async def then_refused(conn: Any) -> None:
        await update(conn, origin, actor, task["id"], {"title": "written once"})
        raise ToolError("conflict", "a check after the compare-and-set")

    before = len(sent)
    with pytest.raises(ToolError, match="after the compare-and-set"):
        await store.db.write(then_refused, read_first=True)
    after = sent[before:]
    assert any("worktrail_update_task" in query for query in after), "it went through the function"
    assert not any(query.lstrip().upper().startswith("BEGIN") for query in after), after
    assert await _updates(store, task["id"]) == 1
