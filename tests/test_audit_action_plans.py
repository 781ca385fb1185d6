"""`ts.aud.list {action}` reads that kind's records from their index on each store, in storing
order: at a million tasks, without it, a rare kind (cancel, delete) walked every record to fill a
page, and the capped count of any kind read a million creates before the first update (180-940
ms). With `since` and a kind of many records, the `at` index is walked instead, as for an actor or
a type (audit.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Agent
from tests.plans import Recording, plan
from worktrail.store.audit import AuditTrail
from worktrail.store.connection import Connection
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio


class RecordedReads:
    """The ledger's database, each read's connection a Recording."""

    def __init__(self, store: Store) -> None:
        self.db, self.seen = store.db, []

    async def read(self, fn: Any, **options: Any) -> Any:
        async def recorded(conn: Connection) -> Any:
            recording = Recording(conn)
            try:
                return await fn(recording)
            finally:
                self.seen += recording.seen

        return await self.db.read(recorded, **options)


@pytest.mark.parametrize("action", ["update", "cancel", "delete"])
async def test_an_action_is_read_from_its_index(owner: Agent, store: Store, action: str) -> None:
    for n in range(30):
        task = await owner.ok("ts.tsk.create", {"title": f"t{n}"})
        await owner.ok("ts.tsk.update", {"id": task["id"], "status": "active"})
    await owner.ok("ts.tsk.cancel", {"id": task["id"], "reason": "Not needed"})
    reads = RecordedReads(store)
    records, total = await AuditTrail(reads).list(entity_id=None, actor_id=None, entity_type=None, action=action,  # type: ignore[arg-type]
                                                  since=None, keys_of=None, limit=50, offset=0)  # fmt: skip
    expected = {"update": 30, "cancel": 1, "delete": 0}[action]
    assert (len(records), total) == (expected, expected)
    assert all(r["action"] == action for r in records)
    if expected:
        assert records[0]["entity_id"] == task["id"]
    statements = [(sql, params) for sql, params in reads.seen if "change_record" in sql]
    assert len(statements) >= 2, statements  # the count and the page

    async def plans(conn: Connection) -> list[str]:
        return [await plan(conn, sql, params, off=("enable_seqscan",)) for sql, params in statements]

    for planned in await store.db.write(plans):  # a write: SET LOCAL needs its own transaction
        assert "change_record_action" in planned, planned


async def test_the_trail_of_an_action_is_the_same_with_the_index(owner: Agent) -> None:
    made = [await owner.ok("ts.tsk.create", {"title": f"t{n}"}) for n in range(3)]
    for task in made[:2]:
        await owner.ok("ts.tsk.cancel", {"id": task["id"], "reason": "r"})
    listed = await owner.ok("ts.aud.list", {"action": "cancel"})
    assert [r["entity_id"] for r in listed["records"]] == [made[1]["id"], made[0]["id"]]
    assert listed["total"] == 2
    assert [r["action"] for r in (await owner.ok("ts.aud.list", {"action": "create"}))["records"]].count("create") >= 3
