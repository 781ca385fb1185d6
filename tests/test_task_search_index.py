"""SQLite's task search index at scale: its one- and two-letter prefix indexes (migration 27, kept
through an upgrade), no positions (migration 30: every query word is one word to it), a page
read from the index's side newest first, and search combined with the other filters, the same
on both stores. What it costs at a million tasks is in benchmarks/."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Agent, scalar
from tests.test_upgrades import _resource, older_ledger
from worktrail.store.audit import Origin
from worktrail.store.connection import Connection
from worktrail.store.migrations import MIGRATIONS
from worktrail.store.rows import COUNT_CAP
from worktrail.store.sqlite.database import SqliteDatabase
from worktrail.store.sqlite.search import match_query
from worktrail.store.sqlite.search_schema import TASK_TEXT_PREFIXES, TASK_TEXT_WITHOUT_POSITIONS
from worktrail.store.store import Store
from worktrail.store.tasks import tasks

pytestmark = pytest.mark.anyio

AT = "2026-01-01T00:00:00Z"


def _task(task_id: str, title: str) -> str:
    return (f"INSERT INTO task (id, title, description, status, creator_id, created_at, updated_at) "
            f"VALUES ('{task_id}', '{title}', 'kept earlier', 'planned', 'res_a', '{AT}', '{AT}')")  # fmt: skip


async def test_an_older_ledgers_search_index_is_made_again_with_prefix_indexes(tmp_path: Path) -> None:
    rows = [_resource("res_a", "a"), _task("tsk_1", "Bake bread"), _task("tsk_2", "Kale salad")]
    async with older_ledger(tmp_path, MIGRATIONS.index(TASK_TEXT_PREFIXES), rows) as store:
        found = await store.tasks.list(statuses=None, endeavour_id=None, assignee_id=None, search="b", limit=5, offset=0)
        both = await store.tasks.list(statuses=None, endeavour_id=None, assignee_id=None, search="k", limit=5, offset=0)
        if isinstance(store.db, SqliteDatabase):
            made = await scalar(store, "SELECT sql FROM sqlite_master WHERE name = 'task_text'")
            assert "prefix='1 2'" in made, made
            # FTS5's own check: the rebuilt index holds exactly the tasks' words.
            assert await store.db.write(lambda conn: conn.execute(
                "INSERT INTO task_text(task_text, rank) VALUES ('integrity-check', 1)")) is not None  # fmt: skip
    assert ([t["id"] for t in found[0]], found[1]) == (["tsk_1"], 1), "the older tasks are found by one letter"
    assert ([t["id"] for t in both[0]], both[1]) == (["tsk_2", "tsk_1"], 2), "'kept' and 'Kale', newest first"


async def test_a_new_ledgers_search_index_keeps_one_and_two_letter_prefixes(store: Store, ledger: str) -> None:
    if not isinstance(store.db, SqliteDatabase):
        pytest.skip("FTS5's prefix option is SQLite's; PostgreSQL's search is its own (postgresql/search.py)")
    with sqlite3.connect(ledger) as conn:
        made = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'task_text'").fetchone()[0]
    assert "prefix='1 2'" in made, made


async def test_an_older_ledgers_search_index_is_made_again_without_positions(tmp_path: Path) -> None:
    rows = [_resource("res_a", "a"), _task("tsk_1", "Bake bread"), _task("tsk_2", "Kale salad")]
    async with older_ledger(tmp_path, MIGRATIONS.index(TASK_TEXT_WITHOUT_POSITIONS), rows) as store:
        both = await store.tasks.list(statuses=None, endeavour_id=None, assignee_id=None, search="k", limit=5, offset=0)
        one = await store.tasks.list(statuses=None, endeavour_id=None, assignee_id=None, search="bre kep",
                                     limit=5, offset=0)  # fmt: skip
        if isinstance(store.db, SqliteDatabase):
            made = await scalar(store, "SELECT sql FROM sqlite_master WHERE name = 'task_text'")
            assert "detail=none" in made and "prefix='1 2'" in made, made
            assert await store.db.write(lambda conn: conn.execute(
                "INSERT INTO task_text(task_text, rank) VALUES ('integrity-check', 1)")) is not None  # fmt: skip
    assert ([t["id"] for t in both[0]], both[1]) == (["tsk_2", "tsk_1"], 2), "'kept' and 'Kale', newest first"
    assert ([t["id"] for t in one[0]], one[1]) == (["tsk_1"], 1), "'bread' and 'kept': one task of the two"


async def test_a_new_ledgers_search_index_keeps_which_tasks_hold_a_word_not_where(store: Store, ledger: str) -> None:
    """No positions (detail=none) and no lengths (columnsize=0): a quarter of the index's size."""
    if not isinstance(store.db, SqliteDatabase):
        pytest.skip("FTS5's options are SQLite's; PostgreSQL's search is its own (postgresql/search.py)")
    with sqlite3.connect(ledger) as conn:
        made = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'task_text'").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'task_text%'")}
    assert "detail=none" in made and "columnsize=0" in made, made
    assert "task_text_docsize" not in tables, tables


async def test_every_word_a_search_asks_for_is_one_word_to_the_index(store: Store, ledger: str) -> None:
    """An index without positions refuses a phrase, and a quoted word its tokenizer cuts in two is
    one: no letter or digit of any script may make the query of a search a phrase."""
    if not isinstance(store.db, SqliteDatabase):
        pytest.skip("FTS5's tokenizer is SQLite's")
    refused = []
    with sqlite3.connect(ledger) as conn:
        for code in range(0x21, 0x110000):
            words = match_query(f"a{chr(code)}b")
            if words is None or words.count('"') == 4:  # not a word character, or a separator in both
                continue
            try:
                conn.execute("SELECT COUNT(*) FROM task_text WHERE task_text MATCH ?", [words]).fetchone()
            except sqlite3.OperationalError as refusal:
                refused.append((hex(code), str(refusal)))
    assert refused == [], refused[:5]


async def _page_plans(store: Store, ledger: str, owner: Agent, lists: list[dict]) -> list[list[str]]:
    """SQLite's plan of the page query each `ts.tsk.list` call of `lists` runs."""
    assert isinstance(store.db, SqliteDatabase)
    traced: list[str] = []
    reader = store.db._reader  # the connection list reads go through (a test may look inside)
    assert reader is not None
    await store.db._hop(reader, lambda conn: conn.set_trace_callback(traced.append))
    plans = []
    try:
        for arguments in lists:
            before = len(traced)
            await owner.ok("ts.tsk.list", arguments)
            pages = [q for q in traced[before:] if q.startswith("SELECT") and " ORDER BY " in q and " LIMIT " in q]
            assert len(pages) == 1, (arguments, traced[before:])
            with sqlite3.connect(ledger) as conn:
                plans.append([row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {pages[0]}")])
    finally:
        await store.db._hop(reader, lambda conn: conn.set_trace_callback(None))
    return plans


async def test_a_search_page_is_read_from_the_index_side_newest_first(owner: Agent, store: Store, ledger: str) -> None:
    """The index is the outer loop (a page reads its LIMIT of entries), each task found by its rowid:
    no list of every match is collected first, and no sort; alone and with each other filter."""
    if not isinstance(store.db, SqliteDatabase):
        pytest.skip("the plan pinned is SQLite's")
    edv = (await owner.ok("ts.edv.create", {"name": "e"}))["id"]
    await owner.ok("ts.tsk.create", {"title": "plan the week", "endeavour_id": edv})
    lists = [{"search": "pla", **more} for more in (
        {}, {"status": ["active", "done"]}, {"endeavour_id": edv}, {"assignee_id": "me", "status": ["planned"]},
        {"offset": 1})]  # fmt: skip
    for arguments, plan in zip(lists, await _page_plans(store, ledger, owner, lists), strict=True):
        assert plan[0].startswith("SCAN task_text VIRTUAL TABLE"), (arguments, plan)
        assert plan[1:] == ["SEARCH task USING INTEGER PRIMARY KEY (rowid=?)"], (arguments, plan)


async def test_a_broad_search_with_a_filter_of_few_tasks_asks_the_index_about_each(
    owner: Agent, store: Store, ledger: str
) -> None:
    """A search of COUNT_CAP matches or more, with a filter of few tasks: the filter's index is the
    outer loop, and the search index is asked about each of its tasks (not walked for them all)."""
    if not isinstance(store.db, SqliteDatabase):
        pytest.skip("the plan pinned is SQLite's")
    origin = Origin(None, "test", "2026-11-25T10:00:00Z")

    async def many(conn: Connection) -> None:
        for n in range(COUNT_CAP):
            await tasks.create(conn, origin, {"title": f"t{n}"})

    await store.db.write(many)
    edv = (await owner.ok("ts.edv.create", {"name": "e"}))["id"]
    for title in ("t mine 0", "other", "t mine 1", "t mine 2"):
        await owner.ok("ts.tsk.create", {"title": title, "endeavour_id": edv})
    found = await owner.ok("ts.tsk.list", {"search": "t", "endeavour_id": edv, "limit": 2})
    assert [t["title"] for t in found["tasks"]] == ["t mine 2", "t mine 1"] and found["total"] == 3
    assert "total_is_estimate" not in found
    few, many_ = await _page_plans(store, ledger, owner, [{"search": "t", "endeavour_id": edv},
                                                         {"search": "t", "status": ["planned"]}])  # fmt: skip
    assert few[0].startswith("SEARCH task USING") and "task_text" not in few[0], few
    assert "TEMP B-TREE FOR ORDER BY" not in " | ".join(few), few
    assert many_[0].startswith("SCAN task_text VIRTUAL TABLE"), ("a filter of many: the index's side", many_)


async def test_a_search_with_other_filters_finds_exactly_their_tasks_newest_first(owner: Agent) -> None:
    edv = (await owner.ok("ts.edv.create", {"name": "e"}))["id"]
    made = {}
    for n, (title, where, status) in enumerate([
        ("plan one", edv, "active"), ("plan two", None, "active"), ("other", edv, "active"),
        ("plan three", edv, "planned"), ("planning four", edv, "active"), ("plan five", edv, "active"),
    ]):  # fmt: skip
        task = await owner.ok("ts.tsk.create", {"title": title, **({"endeavour_id": where} if where else {})})
        if status == "active":
            await owner.ok("ts.tsk.update", {"id": task["id"], "status": "active"})
        made[n] = title

    async def found(**arguments: object) -> tuple[list[str], int, bool]:
        page = await owner.ok("ts.tsk.list", {"search": "plan", **arguments})
        return [t["title"] for t in page["tasks"]], page["total"], "total_is_estimate" in page

    assert await found(status=["active"], endeavour_id=edv) == (["plan five", "planning four", "plan one"], 3, False)
    assert await found(status=["active"], endeavour_id=edv, limit=1, offset=1) == (["planning four"], 3, False)
    assert await found(status=["planned"]) == (["plan three"], 1, False)
    assert await found(endeavour_id=edv, limit=2) == (["plan five", "planning four"], 4, False)
    assert await found() == (["plan five", "planning four", "plan three", "plan two", "plan one"], 5, False)
    assert await found(status=["done"]) == ([], 0, False)
