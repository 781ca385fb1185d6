"""An older ledger brought up to date: what a new step derives for the rows already there, on
either store (a ledger made at an earlier schema version, step by step, then opened)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.conftest import column, scalar
from tests.postgresql_schemas import POSTGRESQL, postgresql_ledger
from worktrail.store.migrations import MIGRATIONS, SEARCH_STATISTICS
from worktrail.store.oauth.schema import GRANT_CLIENT_NAME
from worktrail.store.resources.schema_names import NAME_KEY_COLUMN
from worktrail.store.rewrite import Rewrite
from worktrail.store.store import Store
from worktrail.store.workflows.schema_creator import RUN_CREATOR

pytestmark = pytest.mark.anyio

AT = "2026-01-01T00:00:00Z"
# The schema versions (steps are counted from 1) that record who created a workflow run, and that
# add resource names' keys (made unique two steps later).
RUN_CREATOR_STEP = MIGRATIONS.index(RUN_CREATOR) + 1
NAME_KEYS_STEP = MIGRATIONS.index(NAME_KEY_COLUMN) + 1


async def _made_at(where: str, version: int, rows: Sequence[str]) -> None:
    """A ledger at schema `version` (its first `version` steps, as that worktrail made them), holding `rows`."""
    if where.startswith("postgresql"):
        import asyncpg

        from worktrail.store.postgresql.schema import step

        raw = await asyncpg.connect(where)
        try:
            await raw.execute("CREATE TABLE worktrail_schema (version BIGINT NOT NULL)")
            await raw.execute("INSERT INTO worktrail_schema VALUES ($1)", version)
            for number in range(version):
                if not isinstance(MIGRATIONS[number], Rewrite):  # a rewrite of rows: there are none yet
                    await raw.execute(step(number, MIGRATIONS[number]))  # type: ignore[arg-type]
            for sql in rows:
                await raw.execute(sql)
        finally:
            await raw.close()
        return
    from worktrail.store.sqlite.upgrade import _statements

    conn = sqlite3.connect(where)
    for number in range(version):
        if isinstance(MIGRATIONS[number], Rewrite):  # a rewrite of rows: there are none yet
            continue
        for statement in _statements(MIGRATIONS[number]):  # type: ignore[arg-type]
            conn.execute(statement)
    for sql in rows:
        conn.execute(sql)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()


@asynccontextmanager
async def older_ledger(tmp_path: Path, version: int, rows: Sequence[str]) -> AsyncIterator[Store]:
    """The ledger made at `version` with `rows`, opened (and so upgraded) by this worktrail."""
    async with _where(tmp_path) as where:
        await _made_at(where, version, rows)
        store = await Store.open(where, access="existing")
        try:
            yield store
        finally:
            await store.close()


@asynccontextmanager
async def _where(tmp_path: Path) -> AsyncIterator[str]:
    if POSTGRESQL:
        async with postgresql_ledger() as url:
            yield url
    else:
        yield str(tmp_path / "older.db")


def _resource(resource_id: str, name: str, at: str = AT) -> str:
    return (f"INSERT INTO resource (id, type, name, role, created_at, updated_at) "
            f"VALUES ('{resource_id}', 'agent', '{name}', 'member', '{at}', '{at}')")  # fmt: skip


def _run(run_id: str, user_id: str | None) -> str:
    user = "NULL" if user_id is None else f"'{user_id}'"
    return (f"INSERT INTO workflow_run (id, workflow_id, status, user_id, created_at, updated_at) "
            f"VALUES ('{run_id}', 'wfl-1', 'success', {user}, '{AT}', '{AT}')")  # fmt: skip


def _created_record(entity_id: str, actor_id: str) -> str:
    return (f"INSERT INTO change_record (id, at, actor_id, tool, entity_type, entity_id, action, changes, version) "
            f"VALUES ('chg_{entity_id}', '{AT}', '{actor_id}', 'ts.wrn.create', 'workflow_run', '{entity_id}', "
            f"'create', '{{}}', 1)")  # fmt: skip


async def test_an_older_runs_creator_comes_from_the_audit_trail(tmp_path: Path) -> None:
    rows = [_resource("res_a", "a"), _resource("res_b", "b"),
            "INSERT INTO workflow (id, name, main_prompt, created_at, updated_at) "
            f"VALUES ('wfl-1', 'w', 'p', '{AT}', '{AT}')",
            _run("run-traced", None), _created_record("run-traced", "res_a"),  # the trail says res_a
            _run("run-untraced", "res_b"),  # no record: its user_id, set to the same resource then
            _run("run-gone", "res_nobody"), _created_record("run-gone", "res_nobody")]  # fmt: skip
    async with older_ledger(tmp_path, RUN_CREATOR_STEP - 1, rows) as store:
        found = await column(store, "SELECT id || '=' || COALESCE(created_by, '-') FROM workflow_run ORDER BY id")
    assert found == ["run-gone=-", "run-traced=res_a", "run-untraced=res_b"]


async def test_names_alike_in_an_older_ledger_are_kept_by_the_earliest_and_renamed_after(tmp_path: Path) -> None:
    names = ["alice", "alice (2)", "Alice", "ＡＬＩＣＥ", "bob"]
    rows = [_resource(f"res_{n}", name, f"2026-01-01T00:00:0{n}Z") for n, name in enumerate(names)]
    async with older_ledger(tmp_path, NAME_KEYS_STEP - 1, rows) as store:
        found = await column(store, "SELECT name || '|' || name_key || '|' || version FROM resource ORDER BY id")
        trail = await column(store, "SELECT entity_id || ' ' || tool || ' ' || changes || ' ' || version "
                                    "FROM change_record ORDER BY entity_id")  # fmt: skip
        unique = await _refused(store, "UPDATE resource SET name_key = 'bob' WHERE id = 'res_0'")
    assert found == ["alice|alice|1", "alice (2)|alice (2)|1", "Alice (3)|alice (3)|2", "ＡＬＩＣＥ (4)|alice (4)|2",
                     "bob|bob|1"]  # fmt: skip
    assert trail == ['res_2 worktrail upgrade {"name":["Alice","Alice (3)"]} 2',
                     'res_3 worktrail upgrade {"name":["ＡＬＩＣＥ","ＡＬＩＣＥ (4)"]} 2']  # fmt: skip
    assert unique, "the store itself refuses a second holder of a name"


async def _refused(store: Store, sql: str) -> bool:
    try:
        await store.db.write(lambda conn: conn.execute(sql))
    except Exception as error:  # each store's own integrity error
        return "unique" in str(error).lower() or "duplicate" in str(error).lower()
    return False


async def test_an_older_ledgers_grants_get_their_apps_names_and_its_records_no_via(tmp_path: Path) -> None:
    client = ("INSERT INTO oauth_client (id, kind, name, metadata, created_at) VALUES ('{id}', 'registered', '{name}', "
              "'{{}}', '" + AT + "')")  # fmt: skip
    grant = ("INSERT INTO oauth_grant (id, resource_id, client_id, scope, audience, created_at) "
             f"VALUES ('{{id}}', 'res_a', '{{client}}', 'ledger:write', 'http://127.0.0.1:8765/mcp', '{AT}')")  # fmt: skip
    rows = [_resource("res_a", "a"), client.format(id="ocl_named", name="Claude"), client.format(id="ocl_bare", name=""),
            grant.format(id="ogr_1", client="ocl_named"), grant.format(id="ogr_2", client="ocl_bare"),
            _created_record("run-1", "res_a")]  # fmt: skip
    async with older_ledger(tmp_path, MIGRATIONS.index(GRANT_CLIENT_NAME) - 1, rows) as store:
        named = await column(store, "SELECT id || '=' || client_name FROM oauth_grant ORDER BY id")
        via = await column(store, "SELECT COALESCE(via, '-') FROM change_record")
    assert named == ["ogr_1=Claude", "ogr_2=ocl_bare"], "a nameless app is named by its id"
    assert via == ["-"]


def _task(task_id: str, title: str) -> str:
    return (f"INSERT INTO task (id, title, status, created_at, updated_at) "
            f"VALUES ('{task_id}', '{title}', 'planned', '{AT}', '{AT}')")  # fmt: skip


@pytest.mark.store  # reads WORKTRAIL_TEST_POSTGRESQL itself (POSTGRESQL)
async def test_an_older_ledgers_search_entries_are_analysed_with_ten_thousand_words(tmp_path: Path) -> None:
    """PostgreSQL: the planner estimates a prefix's share from the words its statistics keep (1,000
    by default); the step keeps 10,000 and analyses the entries already there. SQLite: nothing."""
    rows = [_task(f"tsk_{n}", title) for n, title in enumerate(["Plan the week", "Café order", "Ship it"])]
    async with older_ledger(tmp_path, MIGRATIONS.index(SEARCH_STATISTICS), rows) as store:
        found = await store.tasks.list(statuses=None, endeavour_id=None, assignee_id=None, search="cafe plan",
                                       limit=50, offset=0)  # fmt: skip
        assert found == ([], 0)
        assert [t["title"] for t in (await store.tasks.list(statuses=None, endeavour_id=None, assignee_id=None,
                                                            search="CAFE", limit=50, offset=0))[0]] == ["Café order"]
        if not POSTGRESQL:
            return
        kept = await scalar(store, "SELECT attstattarget FROM pg_attribute WHERE attrelid = 'task_text'::regclass "
                                   "AND attname = 'search'")  # fmt: skip
        analysed = await scalar(store, "SELECT COUNT(*) FROM pg_stats WHERE schemaname = current_schema() "
                                       "AND tablename = 'task_text' AND attname = 'search'")  # fmt: skip
    assert (kept, analysed) == (1000, 1)
