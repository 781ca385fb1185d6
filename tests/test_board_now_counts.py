"""Now's counts by status (tasks, and each kind of run by the status runs share) are the lists'
totals, read in one statement from each table's status index: at a million tasks on PostgreSQL,
a list call per count (28 calls, 56 statements) was most of the page's time (issue 31)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.board_client import board_over, browser
from tests.conftest import Agent, connect
from worktrail.store.connection import Connection
from worktrail.store.postgresql.database import PostgresqlDatabase
from worktrail.store.runs import KINDS
from worktrail.store.sqlite.database import SqliteDatabase
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio

# The page's statements: its under-way lists (four statuses, each of four kinds, counted and read),
# the failed runs, the active tasks, the names and the session's, not one per count: 51 on SQLite
# (its trace shows each transaction's BEGIN and COMMIT too), 33 on PostgreSQL; with a list call
# per count, 149.
MOST_STATEMENTS = 60


async def _ledger(agent: Agent) -> None:
    for n, moves in enumerate(([], [], ["active"], ["active", "done"], [("canceled", "dropped")])):
        made = await agent.ok("ts.tsk.create", {"title": f"task {n}"})
        for move in moves:
            args = {"status": move[0], "canceled_reason": move[1]} if isinstance(move, tuple) else {"status": move}
            await agent.ok("ts.tsk.update", {"id": made["id"], **args})
    ritual = await agent.ok("ts.rtl.create", {"name": "Nightly", "prompt": "p"})
    for status in ("succeeded", "failed", None):
        run = await agent.ok("ts.rtr.create", {"ritual_id": ritual["id"]})
        if status:
            error = {"error": {"code": "x", "message": "y"}} if status == "failed" else {}
            await agent.ok("ts.rtr.update", {"id": run["id"], "status": status, **error})
    mission = (await agent.ok("ts.msn.create", {"name": "Ship"}))["data"]["mission_id"]
    await agent.ok("ts.mrn.create", {"mission_id": mission})
    await agent.ok("ts.exe.create", {"config_id": "nightly"})


def _shown(html: str) -> dict[str, dict[str, int]]:
    section = html[html.index('id="counts"') :]
    shown: dict[str, dict[str, int]] = {}
    for family, body in re.findall(r"<dl><dt>([^<]+)</dt>(.*?)</dl>", section, re.S):
        cells = re.findall(r'<span class="status s-(\w+)">\w+</span> ([\d,]+)', body)
        shown[family.replace(" ", "_")] = {s: int(n.replace(",", "")) for s, n in cells}
    return shown


async def _traced(store: Store, work: Callable[[], Any]) -> list[tuple[str, tuple[Any, ...]]]:
    """The statements `work` runs on the store's reads."""
    if isinstance(store.db, PostgresqlDatabase):
        traced: list[tuple[str, tuple[Any, ...]]] = []
        store.db.traced = traced
        try:
            await work()
        finally:
            store.db.traced = None
        return traced
    assert isinstance(store.db, SqliteDatabase)
    lines: list[str] = []
    reader = store.db._reader  # the connection reads go through (a test may look inside)
    assert reader is not None
    await store.db._hop(reader, lambda conn: conn.set_trace_callback(lines.append))
    try:
        await work()
    finally:
        await store.db._hop(reader, lambda conn: conn.set_trace_callback(None))
    return [(line, ()) for line in lines]


async def test_now_counts_every_status_as_the_lists_total_in_one_statement(
    store: Store, owner_key: str, ledger: str
) -> None:
    async with connect(store, owner_key) as agent:
        await _ledger(agent)
        expected: dict[str, dict[str, int]] = {"task": {}}
        for status in ("planned", "active", "done", "canceled"):
            expected["task"][status] = (await agent.ok("ts.tsk.list", {"status": [status], "limit": 1}))["total"]
        for kind in KINDS:
            expected[kind.kind] = {}
            for common in dict.fromkeys(kind.lifecycle.common.values()):
                found = await agent.ok("ts.run.list", {"kind": kind.kind, "status": common, "limit": 1})
                expected[kind.kind][common] = found["total"]
    assert expected["task"] == {"planned": 2, "active": 1, "done": 1, "canceled": 1}
    pages: list[str] = []
    async with browser(board_over(store)) as person:
        await person.login(owner_key)

        async def now() -> None:
            answer = await person.get("/")
            assert answer.status_code == 200
            pages.append(answer.text)

        traced = await _traced(store, now)
    assert _shown(pages[0]) == expected
    assert len(traced) <= MOST_STATEMENTS, f"{len(traced)} statements for Now"
    counting = [(q, p) for q, p in traced if all(f"FROM {k.table} " in q for k in KINDS) and "FROM task " in q]
    assert len(counting) == 1, "every count in one statement"
    await _read_by_status_index(store, *counting[0], ledger)


async def _read_by_status_index(store: Store, query: str, params: tuple[Any, ...], ledger: str) -> None:
    """Each count is read from its table's status index: no table is scanned (PostgreSQL asked
    with whole-table scans priced out, as it scans a table this small otherwise)."""
    if isinstance(store.db, PostgresqlDatabase):

        async def explain(conn: Connection) -> str:
            await conn.execute("SET LOCAL enable_seqscan = off")
            return " | ".join(row[0] for row in await conn.fetchall(f"EXPLAIN {query}", params))

        plan = await store.db.read(explain)
        assert "Seq Scan" not in plan, plan
        return
    with sqlite3.connect(Path(ledger)) as conn:
        plan = " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {query}"))
    scanned = [t for t in ("task", *(k.table for k in KINDS)) if re.search(rf"\bSCAN {t}\b", plan)]
    assert not scanned, plan
