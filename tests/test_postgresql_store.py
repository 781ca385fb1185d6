"""What is PostgreSQL's own: one writer at a time by its advisory lock (a write waits for it with
the loop running on, and past the busy timeout is refused having changed nothing), migrations
under a lock so that processes starting together end with one schema and one owner, and one
clear line for a missing database, a server out of reach, a refused password or another
program's database (left exactly as it was). The rest of the suite runs on PostgreSQL too, with
WORKTRAIL_TEST_POSTGRESQL set; these tests need it."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from urllib.parse import urlsplit

import anyio
import asyncpg
import pytest

from tests.conftest import POSTGRESQL, postgresql_ledger, scalar, write_lock_held
from tests.conftest import run_worktrail as worktrail
from worktrail.domain.errors import ToolError
from worktrail.store.connection import Connection
from worktrail.store.held import HoldTimeout
from worktrail.store.locator import locate
from worktrail.store.migrations import SCHEMA_VERSION
from worktrail.store.postgresql.database import PostgresqlDatabase
from worktrail.store.store import Store

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.store,
    pytest.mark.skipif(not POSTGRESQL, reason="needs a PostgreSQL server: set WORKTRAIL_TEST_POSTGRESQL"),
]


def _database_named(name: str) -> str:
    """The test server's URL, naming another database."""
    assert POSTGRESQL is not None
    parts = urlsplit(POSTGRESQL)
    return f"{parts.scheme}://{parts.netloc}/{name}"


async def _insert(conn: Connection, n: int) -> None:
    await conn.execute("INSERT INTO wal_restart (n) VALUES (?)", [n])


async def _count(conn: Connection) -> int:
    return int((await conn.fetchone("SELECT COUNT(*) FROM wal_restart"))[0])


async def test_a_write_finding_the_lock_taken_waits_for_it_while_the_loop_runs_on(ledger: str) -> None:
    async with PostgresqlDatabase(locate(ledger)) as db:
        before = await db.read(_count)
        with write_lock_held(ledger) as release:
            ticks = 0

            async def tick() -> None:
                nonlocal ticks
                while True:
                    ticks += 1
                    await anyio.sleep(0.01)

            async with anyio.create_task_group() as group:
                group.start_soon(tick)
                await anyio.sleep(0.05)
                asyncio.get_running_loop().call_later(0.4, release)
                await db.write(lambda conn: _insert(conn, 1))
                group.cancel_scope.cancel()
        assert ticks >= 20, "the event loop went on serving while the write waited for the lock"
        assert await db.read(_count) == before + 1


async def test_a_lock_held_past_the_busy_timeout_is_refused_and_changes_nothing(ledger: str) -> None:
    async with PostgresqlDatabase(locate(ledger), busy_timeout_ms=200) as db:
        before = await db.read(_count)
        with write_lock_held(ledger):
            with pytest.raises(ToolError) as refused:
                await db.write(lambda conn: _insert(conn, 1))
            with pytest.raises(HoldTimeout):
                async with db.hold(0.2):
                    await db.write(lambda conn: _insert(conn, 2))
        assert refused.value.code == "rate_limited" and refused.value.details["reason"] == "database_busy"
        assert await db.read(_count) == before
        await db.write(lambda conn: _insert(conn, 3))  # and the writer works on
        assert await db.read(_count) == before + 1


@pytest.mark.processes
async def test_processes_initialising_one_empty_database_together_make_one_schema_and_one_owner() -> None:
    async with postgresql_ledger() as url:  # an empty schema: nothing migrated yet
        command = [sys.executable, "-m", "worktrail", "init", "--db", url, "--json"]
        racers = [
            subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)
        ]
        outcomes = [
            (p.wait(60), p.stdout.read() if p.stdout else "", p.stderr.read() if p.stderr else "") for p in racers
        ]
        assert sorted(code for code, _, _ in outcomes) == [0, 1, 1, 1], outcomes
        refused = [json.loads(out)["error"]["code"] for code, out, _ in outcomes if code == 1]
        assert refused == ["conflict"] * 3, "the others found it initialised"
        store = await Store.open(url, access="read_only")
        try:
            assert await scalar(store, "SELECT COUNT(*) FROM resource WHERE role = 'owner'") == 1
            assert await scalar(store, "SELECT version FROM worktrail_schema") == SCHEMA_VERSION
        finally:
            await store.close()


async def test_another_programs_database_is_refused_and_left_exactly_as_it_was() -> None:
    async with postgresql_ledger() as url:
        schema = url.split("search_path=")[1].split(",")[0]
        admin = await asyncpg.connect(url)
        try:
            await admin.execute("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')")
            for command in (["init"], ["serve"], ["check"], ["call", "ts.tsk.list"]):
                done = worktrail(*command, "--db", url, stdin="")
                assert done.returncode == 1 and "not a worktrail ledger" in done.stderr, done.stderr
                assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
            tables = await admin.fetch("SELECT tablename FROM pg_tables WHERE schemaname = $1", schema)
            assert [t[0] for t in tables] == ["notes"] and await admin.fetchval("SELECT body FROM notes") == "mine"
        finally:
            await admin.close()


@pytest.mark.processes
async def test_serve_on_an_empty_database_says_to_run_init_and_creates_nothing() -> None:
    async with postgresql_ledger() as url:
        done = worktrail("serve", "--db", url, stdin="")
        assert done.returncode == 1 and "worktrail init" in done.stderr and "Traceback" not in done.stderr
        admin = await asyncpg.connect(url)
        try:
            assert await admin.fetchval("SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()") == 0
        finally:
            await admin.close()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (lambda: _database_named("worktrail_nowhere"), "the database worktrail_nowhere does not exist; create it first: createdb worktrail_nowhere"),
        (lambda: "postgresql://worktrail:hunter2@127.0.0.1:1/ledger", "cannot reach the PostgreSQL server"),
        (lambda: f"postgresql://nobody_here:hunter2@127.0.0.1:{urlsplit(POSTGRESQL or '').port or 5432}/postgres", "refused the user or password"),
    ],
)  # fmt: skip
@pytest.mark.processes
def test_a_store_out_of_reach_is_one_line_naming_it_without_the_password(url, says: str) -> None:  # type: ignore[no-untyped-def]
    where = url()
    for command in (["init"], ["check"], ["call", "ts.tsk.list"], ["serve"], ["key", "list"]):
        done = worktrail(*command, "--db", where, stdin="", env={"WORKTRAIL_API_KEY": "wtk_x"})
        assert done.returncode == 1 and says in done.stderr, (command, done.stderr)
        assert "hunter2" not in done.stderr + done.stdout and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.mark.processes
def test_backup_of_a_postgresql_ledger_prints_the_pg_dump_command(tmp_path) -> None:  # type: ignore[no-untyped-def]
    done = worktrail("backup", str(tmp_path / "copy.dump"), "--db", "postgresql://team:hunter2@db.example/ledger")
    assert done.returncode == 1 and "pg_dump --format=custom" in done.stderr
    assert "postgresql://team:***@db.example/ledger" in done.stderr and "hunter2" not in done.stderr
