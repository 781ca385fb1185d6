"""A task's create record kept on its row, not stored (migration 34): the trail still lists it, with
its id, in its place among the stored records, under every filter; the board's watcher hears a
create; an older ledger's trail reads the same after the upgrade, and its numbers go on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.conftest import Agent, connect, make_resource, postgresql_ledger, scalar
from tests.postgresql_schemas import POSTGRESQL
from tests.test_upgrades import _resource, older_ledger
from worktrail.domain.ids import numbered_id
from worktrail.store import export, transfer
from worktrail.store.audit import Origin
from worktrail.store.audit_creates import CREATES_ON_TASK_ROW
from worktrail.store.migrations import MIGRATIONS
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio

EVERYTHING: dict[str, Any] = dict(entity_id=None, actor_id=None, entity_type=None, action=None, since=None,
                                  keys_of=None, limit=500, offset=0)  # fmt: skip


def number(record: dict[str, Any]) -> int:
    return int(record["id"].removeprefix("chg_"), 16)


async def stored_creates(store: Store, *task_ids: str) -> int:
    marks = ", ".join("?" for _ in task_ids)
    sql = f"SELECT COUNT(*) FROM change_record WHERE action = 'create' AND entity_id IN ({marks})"
    return int(await scalar(store, sql, *task_ids))


async def test_a_task_create_stores_no_record_yet_the_trail_lists_it_in_its_place(owner: Agent, store: Store) -> None:
    me = (await owner.ok("ts.auth.whoami"))["resource_id"]
    edv = await owner.ok("ts.edv.create", {"name": "Ops"})
    first = await owner.ok("ts.tsk.create", {"title": "First", "endeavour_id": edv["id"]})
    await owner.ok("ts.tsk.update", {"id": first["id"], "status": "active"})
    second = await owner.ok("ts.tsk.create", {"title": "Second"})
    await owner.ok("ts.edv.update", {"id": edv["id"], "status": "on_hold"})
    assert await stored_creates(store, first["id"], second["id"]) == 0, "a task's create is kept on its row"
    trail = (await owner.ok("ts.aud.list", {"limit": 5}))["records"]
    assert [(r["entity_id"], r["action"]) for r in trail] == [
        (edv["id"], "update"), (second["id"], "create"), (first["id"], "update"), (first["id"], "create"),
        (edv["id"], "create")]  # fmt: skip
    numbers = [number(r) for r in trail]
    assert numbers == list(range(numbers[0], numbers[0] - 5, -1)), "one number each, in storing order"
    created = trail[3]
    assert created == {"id": numbered_id("chg", numbers[3]), "at": first["created_at"], "actor_id": me,
                       "tool": "ts.tsk.create", "entity_type": "task", "entity_id": first["id"], "action": "create",
                       "changes": {}, "version": 1}  # fmt: skip
    history = (await owner.ok("ts.aud.list", {"entity_id": first["id"]}))["records"]
    assert history == [created, trail[2]]
    assert await store.changes.latest() == numbers[0]


def shown(row: dict[str, Any]) -> dict[str, Any]:
    """An exported record as ts.aud.list shows it (without the fields it does not hold)."""
    return {key: value for key, value in row.items() if value is not None}


def _matches(record: dict[str, Any], filters: dict[str, Any]) -> bool:
    return all(record["at"] >= value if key == "since" else record.get(key) == value
               for key, value in filters.items())  # fmt: skip


async def test_every_filter_lists_the_creates_as_it_lists_stored_records(owner: Agent, store: Store) -> None:
    member_id, member_key = await make_resource(owner, "member", "helper")
    async with connect(store, member_key) as member:
        made = []
        for n in range(6):
            who = owner if n % 2 else member
            task = await who.ok("ts.tsk.create", {"title": f"T{n}"})
            made.append(task["id"])
            await who.ok("ts.tsk.update", {"id": task["id"], "status": "active"})
            await owner.ok("ts.edv.create", {"name": f"E{n}"})
    assert await stored_creates(store, *made) == 0
    whole = (await owner.ok("ts.aud.list", {"limit": 500}))["records"]
    assert [number(r) for r in whole] == sorted((number(r) for r in whole), reverse=True)
    since = whole[len(whole) // 2]["at"]
    cases = [{}, {"entity_id": made[2]}, {"actor_id": member_id}, {"entity_type": "task"}, {"entity_type": "endeavour"},
             {"action": "create"}, {"action": "update"}, {"since": since}, {"since": since, "actor_id": member_id},
             {"since": since, "entity_type": "task"}, {"entity_type": "task", "action": "create", "actor_id": member_id},
             {"entity_id": made[3], "since": whole[-1]["at"]}]  # fmt: skip
    for filters in cases:
        expected = [r for r in whole if _matches(r, filters)]
        if "since" in filters:
            expected.sort(key=lambda r: (r["at"], number(r)), reverse=True)
        if "entity_id" in filters:
            expected.reverse()
        for limit, offset in ((500, 0), (3, 0), (3, 2), (4, len(expected) - 2)):
            page = await owner.ok("ts.aud.list", {**filters, "limit": limit, "offset": offset})
            assert page["records"] == expected[offset : offset + limit], (filters, limit, offset)
            assert page["total"] == len(expected), filters
    exported = [shown(row) async for batch in store.export.rows(export.BY_NAME["audit"], None) for row in batch]
    assert exported == whole[::-1], "the export lists the whole trail, creates in their places"
    assert await store.export.count(export.BY_NAME["audit"], None) == len(whole)
    later = [shown(row) async for batch in store.export.rows(export.BY_NAME["audit"], since) for row in batch]
    assert later == [r for r in whole[::-1] if r["at"] >= since]


async def test_the_boards_watcher_hears_a_task_created_elsewhere(store: Store, ledger: str, owner_key: str) -> None:
    """On PostgreSQL a NOTIFY from the task row's trigger, on SQLite the next look: either way at once."""
    following = store.changes.follow(0.05)
    try:
        mark, _ = await following.__anext__()
        other = await Store.open(ledger, access="existing")
        try:
            async with connect(other, owner_key) as elsewhere:
                task = await elsewhere.ok("ts.tsk.create", {"title": "From elsewhere"})
        finally:
            await other.close()
        assert await stored_creates(store, task["id"]) == 0
        with anyio.fail_after(10):  # PostgreSQL's quiet tick comes after 30 s: only the notice is this quick
            while (await following.__anext__())[0] == mark:
                pass
    finally:
        await following.aclose()  # type: ignore[attr-defined]


AT = "2026-01-0{}T00:00:00Z"


def _task(task_id: str, n: int, creator: str | None = "res_a") -> str:
    who = "NULL" if creator is None else f"'{creator}'"
    return (f"INSERT INTO task (id, title, status, creator_id, created_at, updated_at) "
            f"VALUES ('{task_id}', '{task_id}', 'planned', {who}, '{AT.format(n)}', '{AT.format(n)}')")  # fmt: skip


def _record(rowid: int, n: int, entity_id: str, action: str = "create", actor: str | None = "res_a",
            changes: str = "{}", entity_type: str = "task", tool: str = "ts.tsk.create") -> str:  # fmt: skip
    who = "NULL" if actor is None else f"'{actor}'"
    return (f"INSERT INTO change_record (rowid, at, actor_id, tool, entity_type, entity_id, action, changes, version, via) "
            f"VALUES ({rowid}, '{AT.format(n)}', {who}, '{tool}', '{entity_type}', '{entity_id}', '{action}', "
            f"'{changes}', {2 if action == 'update' else 1}, {'NULL' if rowid != 3 else chr(39) + 'Claude' + chr(39)})")  # fmt: skip


@pytest.mark.store  # reads WORKTRAIL_TEST_POSTGRESQL itself (older_ledger, POSTGRESQL)
async def test_an_upgraded_ledgers_trail_reads_as_before_and_its_numbers_go_on(tmp_path: Path) -> None:
    """Creates moved to their rows where the row says the same (one by another tool, through an
    app), a create that disagrees with its row left stored, and the last record a create: the trail
    lists exactly what the stored records said, and the next record is numbered after it."""
    rows = [_resource("res_a", "a"), _task("tsk_1", 1), _task("tsk_2", 2), _task("tsk_3", 3), _task("tsk_4", 4, None),
            _record(1, 1, "tsk_1"), _record(2, 1, "tsk_1", "update", changes='{"title":["x","tsk_1"]}'),
            _record(3, 2, "tsk_2", tool="ts.other"), _record(5, 3, "tsk_3", actor=None),  # disagrees: stays stored
            _record(6, 4, "edv_1", entity_type="endeavour", tool="ts.edv.create"), _record(7, 4, "tsk_4", actor=None)]
    if POSTGRESQL:
        rows.append("SELECT setval(pg_get_serial_sequence('change_record', 'rowid'), 8, false)")
    expected = [(7, "tsk_4", "create", None, None), (6, "edv_1", "create", "res_a", None),
                (5, "tsk_3", "create", None, None), (3, "tsk_2", "create", "res_a", "Claude"),
                (2, "tsk_1", "update", "res_a", None), (1, "tsk_1", "create", "res_a", None)]  # fmt: skip
    async with older_ledger(tmp_path, MIGRATIONS.index(CREATES_ON_TASK_ROW), rows) as store:
        trail, total = await store.audit.list(**EVERYTHING)
        assert [(number(r), r["entity_id"], r["action"], r["actor_id"], r.get("via")) for r in trail] == expected
        assert total == 6 and trail[3]["tool"] == "ts.other" and trail[2]["version"] == 1
        for offset in range(1, 6):  # pages past the first, around the gap at number 4
            page, _ = await store.audit.list(**{**EVERYTHING, "limit": 2, "offset": offset})
            assert page == trail[offset : offset + 2], offset
        assert await scalar(store, "SELECT COUNT(*) FROM change_record") == 3, "tsk_3's create stays stored"
        assert await store.changes.latest() == 7

        done = await store.tasks.create(Origin("res_a", "ts.tsk.create", AT.format(5)), {"title": "after"})
        trail, _ = await store.audit.list(**EVERYTHING)
        assert number(trail[0]) == 8 and trail[0]["entity_id"] == done["id"]
        await store.endeavours.create(Origin("res_a", "ts.edv.create", AT.format(6)), {"name": "after"})
        trail, _ = await store.audit.list(**EVERYTHING)
        assert [number(r) for r in trail[:3]] == [9, 8, 7], "a stored record is numbered past the creates"


@pytest.mark.store  # reads WORKTRAIL_TEST_POSTGRESQL itself (POSTGRESQL)
async def test_a_ledger_moved_to_postgresql_numbers_its_next_record_past_its_last_create(tmp_path: Path) -> None:
    if not POSTGRESQL:
        pytest.skip("the suite's PostgreSQL run (WORKTRAIL_TEST_POSTGRESQL) has a server to copy to")
    home = await Store.open(str(tmp_path / "home.db"))
    try:
        await home.endeavours.create(Origin(None, "test", AT.format(1)), {"name": "first"})
        task = await home.tasks.create(Origin(None, "ts.tsk.create", AT.format(2)), {"title": "the last record"})
        last = await home.changes.latest()
        async with postgresql_ledger() as url:
            there = await Store.open(url)
            try:
                await transfer.copy(home.db, there.db)
                assert await there.changes.latest() == last
                await there.endeavours.create(Origin(None, "test", AT.format(3)), {"name": "after the move"})
                trail, _ = await there.audit.list(**EVERYTHING)
            finally:
                await there.close()
    finally:
        await home.close()
    assert [(number(r), r["entity_type"]) for r in trail[:2]] == [(last + 1, "endeavour"), (last, "task")]
    assert trail[1]["entity_id"] == task["id"]


async def test_a_page_past_the_last_or_too_deep_reads_no_trail(owner: Agent, store: Store) -> None:
    """A trail with task creates is merged in Python from each stream's first `offset + limit`: a page
    past its last record answers at once, and an offset past the count's cap is refused naming the
    field and the fix, where it would read and merge every record before it (a viewer's one call
    could make the server read a million-record trail)."""
    for n in range(3):
        await owner.ok("ts.tsk.create", {"title": f"t{n}"})
    past = await owner.ok("ts.aud.list", {"entity_type": "task", "offset": 1_000_000})
    assert (past["records"], past["total"]) == ([], 3)
    listed, total = await store.audit.list(**{**EVERYTHING, "keys_of": "res_nobody", "offset": 10_001})
    assert listed == [] and total < 10_000

    async def many(conn: Any) -> None:  # past the count's cap: 10,001 stored records of a task
        await conn.execute("INSERT INTO change_record (at, actor_id, tool, entity_type, entity_id, action, changes, version)"
                           " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10001)"
                           " SELECT '2026-01-01T00:00:00Z', NULL, 'test', 'task', 'tsk_x', 'update', '{}', 2 FROM n")  # fmt: skip

    await store.db.write(many)
    assert (await owner.ok("ts.aud.list", {"entity_type": "task", "offset": 9_990}))["total"] == 10_000
    refused = await owner.err("ts.aud.list", {"entity_type": "task", "offset": 10_001, "since": "2000-01-01"})
    assert refused["code"] == "invalid_input" and refused["details"][0]["loc"] == ["offset"], refused
    assert "since" in refused["details"][0]["hint"]
