"""Every list reads its page in the order of an index that also serves its filter: SQLite's plan
for each page query a list tool runs has no sort of its own (no "TEMP B-TREE FOR ORDER BY").
What is measured at a million rows is for benchmarks/; this pins that the plan stays right."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Agent
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio

# Each list tool with no filter and with each single filter that has an index of its own.
LISTS = [
    ("ts.tsk.list", {}), ("ts.tsk.list", {"status": "active"}), ("ts.tsk.list", {"endeavour_id": "$E"}),
    ("ts.tsk.list", {"assignee_id": "me"}), ("ts.edv.list", {}), ("ts.edv.list", {"status": "active"}),
    ("ts.res.list", {}), ("ts.key.list", {}), ("ts.rtl.list", {}), ("ts.rtr.list", {}),
    ("ts.rtr.list", {"ritual_id": "$R"}), ("ts.rtr.list", {"status": "running"}), ("ts.aud.list", {}),
    ("ts.aud.list", {"entity_id": "$E"}), ("ts.aud.list", {"actor_id": "me"}),
    ("ts.aud.list", {"entity_type": "task"}), ("ts.msn.list", {}), ("ts.mrn.list", {}),
    ("ts.mrn.list", {"mission_id": "$M"}), ("ts.mrn.list", {"status": "running"}), ("ts.exe.list", {}),
    ("ts.exe.list", {"status": "running"}), ("ts.wfl.list", {}),
]  # fmt: skip


async def test_every_list_page_reads_in_index_order(owner: Agent, store: Store, db_path: Path) -> None:
    edv = (await owner.ok("ts.edv.create", {"name": "e"}))["id"]
    ritual = (await owner.ok("ts.rtl.create", {"name": "r", "prompt": "p"}))["id"]
    mission = (await owner.ok("ts.msn.create", {"name": "m"}))["data"]["mission_id"]
    traced: list[str] = []
    reader = store.db._reader  # the connection list reads go through (a test may look inside)
    assert reader is not None
    await store.db._hop(reader, lambda conn: conn.set_trace_callback(traced.append))
    try:
        for tool, arguments in LISTS:
            text = {k: {"$E": edv, "$R": ritual, "$M": mission}.get(v, v) for k, v in arguments.items()}
            before = len(traced)
            await owner.ok(tool, text)
            pages = [q for q in traced[before:] if " ORDER BY " in q and " LIMIT " in q]
            assert pages, (tool, arguments, "ran no page query")
            with sqlite3.connect(db_path) as conn:
                for query in pages:
                    plan = " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {query}"))
                    assert "TEMP B-TREE FOR ORDER BY" not in plan, (tool, arguments, plan)
    finally:
        await store.db._hop(reader, lambda conn: conn.set_trace_callback(None))
