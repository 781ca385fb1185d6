"""Every list reads its page in the order of an index that also serves its filter: each store's
plan for each page query a list tool runs has no sort of its own (SQLite: no "TEMP B-TREE FOR
ORDER BY"; PostgreSQL: no Sort node).
What is measured at a million rows is for benchmarks/; this pins that the plan stays right."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Agent, connect
from worktrail.domain.clock import SystemClock, format_ts
from worktrail.store.audit import Origin
from worktrail.store.connection import Connection
from worktrail.store.postgresql.database import PostgresqlDatabase
from worktrail.store.sqlite.database import SqliteDatabase
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
    ("ts.exe.list", {"status": "running"}), ("ts.wfl.list", {}), ("ts.tsk.list", {"ready": True}),
    ("ts.rel.list", {}), ("ts.rel.list", {"source_entity_id": "$E"}), ("ts.rel.list", {"target_entity_id": "$E"}),
    # Past the first page (PostgreSQL skips the rows before it in the index: postgresql/connection.py).
    ("ts.tsk.list", {"offset": 1}), ("ts.tsk.list", {"status": "active", "offset": 1}),
    ("ts.tsk.list", {"search": "plan", "offset": 1}), ("ts.aud.list", {"offset": 1}),
    ("ts.aud.list", {"entity_id": "$E", "offset": 1}), ("ts.rtr.list", {"status": "running", "offset": 1}),
    ("ts.tsk.list", {"ready": True, "offset": 1}),
]  # fmt: skip


async def _lists(owner: Agent) -> list[tuple[str, dict]]:
    edv = (await owner.ok("ts.edv.create", {"name": "e"}))["id"]
    ritual = (await owner.ok("ts.rtl.create", {"name": "r", "prompt": "p"}))["id"]
    mission = (await owner.ok("ts.msn.create", {"name": "m"}))["data"]["mission_id"]
    return [
        (tool, {k: {"$E": edv, "$R": ritual, "$M": mission}.get(v, v) for k, v in arguments.items()})
        for tool, arguments in LISTS
    ]


async def test_every_list_page_reads_in_index_order_on_sqlite(
    owner: Agent, store: Store, ledger: str, tmp_path: Path
) -> None:
    if isinstance(store.db, SqliteDatabase):
        await _sqlite_plans(owner, store, Path(ledger))
        return
    beside = await Store.open(tmp_path / "plans.db")  # the PostgreSQL run checks SQLite's plans too
    try:
        _, _, key = await beside.keys.bootstrap_owner(Origin(None, "test", format_ts(SystemClock().now())), "owner")
        async with connect(beside, key) as agent:
            await _sqlite_plans(agent, beside, tmp_path / "plans.db")
    finally:
        await beside.close()


async def _sqlite_plans(owner: Agent, store: Store, db: Path) -> None:
    assert isinstance(store.db, SqliteDatabase)
    traced: list[str] = []
    reader = store.db._reader  # the connection list reads go through (a test may look inside)
    assert reader is not None
    await store.db._hop(reader, lambda conn: conn.set_trace_callback(traced.append))
    try:
        for tool, arguments in await _lists(owner):
            before = len(traced)
            await owner.ok(tool, arguments)
            pages = [q for q in traced[before:] if " ORDER BY " in q and " LIMIT " in q]
            assert pages, (tool, arguments, "ran no page query")
            with sqlite3.connect(db) as conn:
                for query in pages:
                    plan = " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {query}"))
                    assert "TEMP B-TREE FOR ORDER BY" not in plan, (tool, arguments, plan)
    finally:
        await store.db._hop(reader, lambda conn: conn.set_trace_callback(None))


async def test_every_list_page_reads_in_index_order_on_postgresql(owner: Agent, store: Store) -> None:
    """PostgreSQL's planner sorts or scans a small table rather than read an index, so the plan is
    asked with both priced out of reach: a Sort left in it means no index serves that order."""
    if not isinstance(store.db, PostgresqlDatabase):
        pytest.skip("the suite's PostgreSQL run (WORKTRAIL_TEST_POSTGRESQL) checks PostgreSQL's plans")
    traced: list[tuple[str, tuple[Any, ...]]] = []
    store.db.traced = traced
    try:
        for tool, arguments in await _lists(owner):
            before = len(traced)
            await owner.ok(tool, arguments)
            pages = [(q, p) for q, p in traced[before:] if " ORDER BY " in q and " LIMIT " in q]
            assert pages, (tool, arguments, "ran no page query")
            for query, params in pages:
                # Sorting and whole-table scans priced out (a tiny table is scanned, else).
                plan = await _postgresql_plan(store, query, params, enable_sort="off", enable_seqscan="off")
                # A search alone picks its page from the rowids its count found (at most COUNT_CAP, by
                # a top-N sort: postgresql/search.py); no task is sorted.
                sorted_by = FOUND_SORTED if query.lstrip().startswith("WITH found AS") else set()
                assert set(_sort_keys(plan)) <= sorted_by, (tool, arguments, plan)
                # A page past the first is skipped to in the index (postgresql/connection.py). How its
                # rows are then joined is the planner's to choose on tables this small.
                if tool == "ts.tsk.list" and arguments.get("offset") and "search" not in arguments:
                    assert "Index Only Scan" in plan, ("skipped in the index, not read", arguments, plan)
    finally:
        store.db.traced = None


async def test_no_list_is_planned_in_parallel_on_postgresql(owner: Agent, store: Store) -> None:
    """A list reads a page: a parallel plan only delays it. At a million tasks PostgreSQL chose
    parallel backward walks for a search (500 ms, 1 s when nothing matched; 4-35 ms serially), so
    the pool's connections plan serially. Asked with parallel work priced at nothing, no plan
    may gather workers."""
    if not isinstance(store.db, PostgresqlDatabase):
        pytest.skip("the suite's PostgreSQL run (WORKTRAIL_TEST_POSTGRESQL) checks PostgreSQL's plans")
    for n in range(30):
        await owner.ok("ts.tsk.create", {"title": f"plan week {n}", "description": "parallel or not"})
    traced: list[tuple[str, tuple[Any, ...]]] = []
    store.db.traced = traced
    try:
        for arguments in ({"search": "plan"}, {"search": "zzz"}, {"status": "planned", "offset": 10}, {}):
            before = len(traced)
            await owner.ok("ts.tsk.list", arguments)
            for query, params in traced[before:]:
                free = ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size",
                        "min_parallel_index_scan_size")  # fmt: skip
                plan = await _postgresql_plan(store, query, params, **dict.fromkeys(free, "0"))
                assert "Gather" not in plan and "Parallel" not in plan, (arguments, plan)

        async def page_cost(conn: Connection) -> str:  # an index read priced as one held in memory
            return str((await conn.fetchone("SHOW random_page_cost"))[0])

        assert await store.db.read(page_cost) == "1.1"
    finally:
        store.db.traced = None


FOUND_SORTED = {"found.rowid DESC", "found_1.rowid DESC"}  # the CTE as its plan names it


def _sort_keys(plan: str) -> list[str]:
    """The key of each Sort node of a plan (its lines joined by " | ")."""
    lines = [line.strip() for line in plan.split(" | ")]
    nodes = ("Sort  (", "->  Sort  (")
    return [after.removeprefix("Sort Key: ") for line, after in zip(lines, lines[1:], strict=False) if line.startswith(nodes)]


async def _postgresql_plan(store: Store, query: str, params: tuple[Any, ...], **settings: str) -> str:
    """PostgreSQL's plan for `query`, one line after another, asked with `settings` for the moment."""

    async def explain(conn: Connection) -> str:
        for name, value in settings.items():
            await conn.execute(f"SET LOCAL {name} = {value}")
        return " | ".join(row[0] for row in await conn.fetchall(f"EXPLAIN {query}", params))

    return await store.db.read(explain)


async def _bold_moves(store: Store, count: int) -> None:
    """`count` tasks "Bold move N", made in one statement, their search entries analysed."""

    async def many(conn: Connection) -> None:
        await conn.execute("INSERT INTO task (id, title, status, created_at, updated_at) SELECT 'tsk_' || n, "
                           "'Bold move ' || n, 'planned', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' "
                           "FROM generate_series(1, ?::integer) AS n", (count,))  # fmt: skip
        await conn.execute("ANALYZE task_text")

    await store.db.write(many)


async def test_a_search_is_planned_for_its_words_given_as_a_tsquery_on_postgresql(owner: Agent, store: Store) -> None:
    """The words are made a tsquery while the statement is planned (an IMMUTABLE function of them:
    postgresql/search.py), and every plan of a search is made for its words. As
    `to_tsquery(unaccent(?))` inside the statement it was a call the planner priced (and ran) for
    every entry a walk would test, so a broad prefix's capped count read every entry of the index
    the prefix starts (`b` at a million tasks: 0.5 s, where walking the entries until the cap takes
    9 ms); a generic plan could not see the words at all."""
    if not isinstance(store.db, PostgresqlDatabase):
        pytest.skip("the suite's PostgreSQL run (WORKTRAIL_TEST_POSTGRESQL) checks PostgreSQL's plans")

    await _bold_moves(store, 3000)  # every one a match of `b`
    traced: list[tuple[str, tuple[Any, ...]]] = []
    store.db.traced = traced
    try:
        for _ in range(8):  # past the five custom plans PostgreSQL makes before it may keep a generic one
            assert (await owner.ok("ts.tsk.list", {"search": "b"}))["tasks"][0]["title"] == "Bold move 3000"
    finally:
        store.db.traced = None
    searched = [(q, p) for q, p in traced if "task_text" in q]
    assert searched, traced
    plan = await _postgresql_plan(store, *searched[0])
    assert "unaccent" not in plan and "worktrail_words" not in plan and "'''b'':*'::tsquery" in plan, plan
    assert "Bitmap" not in plan, ("the capped count walks the entries", plan)

    async def plans(conn: Connection) -> list[tuple[int, int]]:  # of the pool's one connection, which searched
        rows = await conn.fetchall("SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                                   " WHERE ltrim(statement, E'\\n') LIKE 'WITH found AS%'")  # fmt: skip
        return [(row[0], row[1]) for row in rows]

    made = await store.db.read(plans)
    assert made == [(0, 8)], made


async def test_a_search_alone_is_one_statement_that_walks_no_entries_below_the_cap_on_postgresql(
    owner: Agent, store: Store
) -> None:
    """Asked for its newest 50 matches, PostgreSQL walked the entries newest first and tested each,
    stopping at 50: a rare word walked 10,000 entries at a million tasks, a word found nowhere all
    of them (0.8 s). The matches are found once, through the index, counted, and the page picked
    from them, in the same statement (one round trip); below the cap nothing is walked."""
    if not isinstance(store.db, PostgresqlDatabase):
        pytest.skip("the suite's PostgreSQL run (WORKTRAIL_TEST_POSTGRESQL) checks PostgreSQL's plans")
    made = [(await owner.ok("ts.tsk.create", {"title": f"Plan part {n}"}))["id"] for n in range(5)]
    await owner.ok("ts.tsk.create", {"title": "Other work"})
    traced: list[tuple[str, tuple[Any, ...]]] = []
    store.db.traced = traced
    try:
        found = await owner.ok("ts.tsk.list", {"search": "plan", "limit": 2, "offset": 1})
        assert (await owner.ok("ts.tsk.list", {"search": "zzz"}))["total"] == 0
        past = await owner.ok("ts.tsk.list", {"search": "plan", "offset": 5})
    finally:
        store.db.traced = None
    assert ([t["id"] for t in found["tasks"]], found["total"]) == ([made[3], made[2]], 5)
    assert (past["tasks"], past["total"]) == ([], 5), "a page past the matches still has their count"
    assert len(traced) == 3 and all(q.lstrip().startswith("WITH found AS") for q, _ in traced), traced


async def test_a_broad_search_alone_walks_its_entries_newest_first_for_its_page_on_postgresql(
    owner: Agent, store: Store
) -> None:
    """At the cap the matches found are not the newest: the page is the entries walked newest first
    (postgresql/search.py WALKED), in a second statement, and only the page's tasks are read."""
    if not isinstance(store.db, PostgresqlDatabase):
        pytest.skip("the suite's PostgreSQL run (WORKTRAIL_TEST_POSTGRESQL) checks PostgreSQL's plans")

    await _bold_moves(store, 10_001)  # COUNT_CAP + 1, every one a match of `b`
    traced: list[tuple[str, tuple[Any, ...]]] = []
    store.db.traced = traced
    try:
        found = await owner.ok("ts.tsk.list", {"search": "b", "limit": 2, "offset": 3})
    finally:
        store.db.traced = None
    assert [t["title"] for t in found["tasks"]] == ["Bold move 9998", "Bold move 9997"], found
    assert (found["total"], found.get("total_is_estimate")) == (10_000, True), found
    assert len(traced) == 2 and traced[0][0].lstrip().startswith("WITH found AS"), traced
    plan = await _postgresql_plan(store, *traced[1], enable_sort="off")
    assert "Index Scan Backward using task_text_pkey" in plan and not _sort_keys(plan), plan
