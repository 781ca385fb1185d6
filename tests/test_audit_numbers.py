"""The change records numbered by the store (migration 31): each id made from its number, the
trail in the order the records were stored, `since` read from `at`, and an older ledger's records
kept through the upgrade, in their order, with the ids their numbers make."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Agent
from tests.test_upgrades import _resource, older_ledger
from worktrail.domain.ids import numbered_id
from worktrail.store import export
from worktrail.store.audit import CHANGE_RECORDS_NUMBERED, FEW, Origin
from worktrail.store.connection import Connection
from worktrail.store.migrations import MIGRATIONS
from worktrail.store.store import Store
from worktrail.store.tasks import tasks

pytestmark = pytest.mark.anyio


async def _made(store: Store, *stamps: str, tool: str = "test") -> list[str]:
    """A task made at each of `stamps` (in that order), as an origin with that clock would."""

    async def made(conn: Connection) -> list[str]:
        return [await tasks.create(conn, Origin(None, tool, at), {"title": f"made at {at}"}) for at in stamps]

    return await store.db.write(made)


async def test_a_change_records_id_is_made_from_its_number(owner: Agent, store: Store) -> None:
    task = await owner.ok("ts.tsk.create", {"title": "T"})
    await owner.ok("ts.tsk.update", {"id": task["id"], "status": "active"})
    records = (await owner.ok("ts.aud.list", {"entity_id": task["id"]}))["records"]
    latest = await store.changes.latest()
    assert [r["id"] for r in records] == [numbered_id("chg", latest - 1), numbered_id("chg", latest)]
    assert all(len(r["id"]) == len("chg_") + 24 for r in records), records
    newest = (await owner.ok("ts.aud.list", {"limit": 1}))["records"][0]
    assert newest["id"] == numbered_id("chg", latest) and newest["entity_id"] == task["id"]


async def test_the_trail_is_in_the_order_stored_and_since_reads_the_clock(owner: Agent, store: Store) -> None:
    """Two writers whose clocks disagree: the trail lists what was stored last first; `since`
    finds the records by the time they say, and lists them by it."""
    first, second = await _made(store, "2026-03-02T00:00:00Z", "2026-03-01T00:00:00Z")
    trail = (await owner.ok("ts.aud.list", {"entity_type": "task"}))["records"]
    assert [r["entity_id"] for r in trail] == [second, first]
    since = (await owner.ok("ts.aud.list", {"entity_type": "task", "since": "2026-03-01T12:00:00Z"}))["records"]
    assert [r["entity_id"] for r in since] == [first]
    both = (await owner.ok("ts.aud.list", {"since": "2026-02-01T00:00:00Z", "entity_type": "task"}))["records"]
    assert [r["entity_id"] for r in both] == [first, second], "by the time they say, newest first"


async def test_since_with_a_filter_of_many_records_finds_exactly_theirs(owner: Agent, store: Store) -> None:
    """More than FEW records of a type: `since` walks `at` onwards, and finds the same records as
    the type's own index would."""
    stamps = [f"2026-04-01T00:{n // 60:02}:{n % 60:02}Z" for n in range(FEW + 20)]
    made = await _made(store, *stamps)
    await owner.ok("ts.edv.create", {"name": "not a task"})
    found = await owner.ok("ts.aud.list", {"entity_type": "task", "since": stamps[-15], "limit": 10})
    assert [r["entity_id"] for r in found["records"]] == made[-10:][::-1] and found["total"] == 15
    mine = await owner.ok("ts.aud.list", {"entity_type": "task", "action": "create", "since": stamps[-3]})
    assert [r["entity_id"] for r in mine["records"]] == made[-3:][::-1] and mine["total"] == 3


def _record(number: int, at: str, entity_id: str, changes: str = "{}") -> str:
    return (f"INSERT INTO change_record (rowid, id, at, actor_id, tool, entity_type, entity_id, action, changes, version) "
            f"VALUES ({number}, 'chg_0190aa{number:018x}', '{at}', 'res_a', 'ts.tsk.update', 'task', '{entity_id}', "
            f"'update', '{changes}', {number})")  # fmt: skip


async def test_an_older_ledgers_records_keep_their_order_and_are_numbered(tmp_path: Path) -> None:
    rows = [_resource("res_a", "a"), _record(7, "2026-01-02T00:00:00Z", "tsk_1", '{"status": ["planned", "active"]}'),
            _record(9, "2026-01-01T00:00:00Z", "tsk_2"), _record(12, "2026-01-03T00:00:00Z", "tsk_1")]  # fmt: skip
    async with older_ledger(tmp_path, MIGRATIONS.index(CHANGE_RECORDS_NUMBERED), rows) as store:
        trail, total = await store.audit.list(entity_id=None, actor_id=None, entity_type=None, action=None,
                                              since=None, keys_of=None, limit=10, offset=0)  # fmt: skip
        history, _ = await store.audit.list(entity_id="tsk_1", actor_id="res_a", entity_type=None, action=None,
                                            since=None, keys_of=None, limit=10, offset=0)  # fmt: skip
        latest = await store.changes.latest()
    assert [(r["id"], r["entity_id"]) for r in trail] == [
        (numbered_id("chg", 12), "tsk_1"), (numbered_id("chg", 9), "tsk_2"), (numbered_id("chg", 7), "tsk_1")]
    assert total == 3 and latest == 12, "the numbers are the rowids they had: a board's watcher goes on from them"
    assert [r["changes"] for r in history] == [{"status": ["planned", "active"]}, {}]


async def test_an_export_of_the_trail_has_the_ids_ts_aud_list_gives(owner: Agent, store: Store) -> None:
    task = await owner.ok("ts.tsk.create", {"title": "T"})
    await owner.ok("ts.tsk.update", {"id": task["id"], "status": "active"})
    listed = [r["id"] for r in (await owner.ok("ts.aud.list", {"limit": 500}))["records"]]
    exported = [row["id"] async for batch in store.export.rows(export.BY_NAME["audit"], None) for row in batch]
    assert exported == listed[::-1] and exported[-1] == numbered_id("chg", await store.changes.latest())
