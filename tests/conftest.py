"""Shared fixtures: a real SQLite ledger in a temporary directory, and agents that reach it
through the official SDK client, in memory, in both protocol eras."""

from __future__ import annotations

import json
import os
import re
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from mcp import Client
from mcp.types import Implementation

from tests.postgresql_schemas import (
    POSTGRESQL,
    drop_emptied,
    give_back,
    make_worker_database,
    postgresql_ledger,
    schema_url,
    take_schema,
)
from worktrail.domain.clock import Clock, SystemClock, format_ts, parse_ts
from worktrail.store.audit import Origin
from worktrail.store.connection import Connection
from worktrail.store.database import Access
from worktrail.store.store import Store
from worktrail.tools.catalog import ALL_TOOLS
from worktrail.tools.context import Session
from worktrail.tools.declaration import Tool
from worktrail.tools.registry import Registry
from worktrail.transport.server import build_server

T = TypeVar("T")
# How the suite runs (markers, the PostgreSQL run's selection, xdist's workers): tests/suite_plan.py.
pytest_plugins = ["tests.suite_plan", "tests.browsers", "tests.board_client"]  # their fixtures: chromium, served, page; agent, person


@pytest.fixture
def anyio_backend() -> str:
    """Async tests (modules marked `pytestmark = pytest.mark.anyio`) run on asyncio."""
    return "asyncio"


@dataclass
class Agent:
    """One MCP client session, with helpers that assert the kind of answer a test expects."""

    client: Client
    session: Session

    async def call(self, tool: str, arguments: dict[str, Any] | None = None) -> tuple[bool, dict[str, Any]]:
        result = await self.client.call_tool(tool, arguments or {})
        assert result.structured_content is not None, "every result carries structured content"
        return result.is_error, result.structured_content

    async def ok(self, tool: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        is_error, payload = await self.call(tool, arguments)
        assert not is_error, payload
        return payload

    async def err(self, tool: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        is_error, payload = await self.call(tool, arguments)
        assert is_error, payload
        return payload["error"]


@asynccontextmanager
async def connect(
    store: Store,
    api_key: str | None = None,
    *,
    mode: str = "auto",
    tool_names: str = "auto",
    client_name: str = "mcp",
    tools: tuple[Tool, ...] = ALL_TOOLS,
    clock: Clock | None = None,
) -> AsyncIterator[Agent]:
    """An agent connected to its own in-memory server (one server, one client, as over stdio)."""
    session = Session()
    server = build_server(Registry(tools, store, clock), session, tool_names)  # type: ignore[arg-type]
    info = Implementation(name=client_name, version="1.0")
    async with Client(server, mode=mode, client_info=info) as client:  # type: ignore[arg-type]
        agent = Agent(client, session)
        if api_key is not None:
            await agent.ok("ts.auth.login", {"api_key": api_key})
        yield agent


class PinnedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, at: str) -> None:
        self.moment = parse_ts(at)

    def now(self) -> datetime:
        return self.moment

    def set(self, at: str) -> None:
        self.moment = parse_ts(at)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "ledger.db"


def pytest_sessionstart(session: pytest.Session) -> None:
    make_worker_database()


def pytest_sessionfinish(session: pytest.Session) -> None:
    drop_emptied()


@pytest.fixture
async def ledger(db_path: Path) -> AsyncIterator[str]:
    """Where this test's ledger is, as `--db` takes it: a SQLite file, or with
    WORKTRAIL_TEST_POSTGRESQL a PostgreSQL schema of its own."""
    if POSTGRESQL:
        async with postgresql_ledger(reuse=True) as url:
            yield url
    else:
        yield str(db_path)


@pytest.fixture
async def store(ledger: str) -> AsyncIterator[Store]:
    opened = await Store.open(ledger)
    yield opened
    await opened.close()


@pytest.fixture
async def one_connection(ledger: str) -> AsyncIterator[tuple[Store, list[str]]]:
    """A PostgreSQL store whose pool is one connection, and the list each query it sends is appended to."""
    from worktrail.store.locator import locate
    from worktrail.store.postgresql.database import PostgresqlDatabase

    db = await PostgresqlDatabase(locate(ledger), pool_size=1).open()
    sent: list[str] = []
    async with db._require().acquire() as raw:
        raw.add_query_logger(lambda logged: sent.append(logged.query))
    yield Store(db), sent
    await db.close()


async def scalar(store: Store, sql: str, *params: Any) -> Any:
    """The first value of the first row `sql` answers, read in the store's own way (either backend)."""

    async def read(conn: Connection) -> Any:
        row = await conn.fetchone(sql, params)
        return None if row is None else row[0]

    return await store.db.read(read)


async def trail_total(store: Store, **filters: Any) -> int:
    """How many change records the trail lists with ts.aud.list's `filters` (up to its cap): the
    stored ones and the creates kept on task rows (store/audit_creates.py), as a reader sees them."""
    given: dict[str, Any] = dict(entity_id=None, actor_id=None, entity_type=None, action=None, since=None,
                                 keys_of=None, limit=1, offset=0)  # fmt: skip
    return (await store.audit.list(**{**given, **filters}))[1]


async def column(store: Store, sql: str, *params: Any) -> list[Any]:
    """The first value of every row `sql` answers (either backend)."""

    async def read(conn: Connection) -> list[Any]:
        return [row[0] for row in await conn.fetchall(sql, params)]

    return await store.db.read(read)


async def everything(store: Store) -> str:
    """Every stored row of every table of the ledger, as text (what a dump of the database shows)."""
    from worktrail.store.transfer import TABLES, rows

    out = []
    for table in TABLES:
        async for batch in rows(store.db, table):
            out += [f"{table.name}: {row!r}" for row in batch]
    return "\n".join(out)


async def execute(store: Store, sql: str, *params: Any) -> int:
    """Change the ledger behind the tools' backs (a test's setting of the scene), in one write."""
    return await store.db.write(lambda conn: conn.execute(sql, params))


@pytest.fixture
async def owner_key(store: Store) -> str:
    _, _, api_key = await store.keys.bootstrap_owner(Origin(None, "test", format_ts(SystemClock().now())), "owner")
    return api_key


@pytest.fixture(params=["auto", "legacy"])
def mode(request: pytest.FixtureRequest) -> str:
    """Both protocol eras: 2026-07-28 (auto) and the 2025-11-25 handshake (legacy)."""
    return request.param


@pytest.fixture
async def owner(store: Store, owner_key: str, mode: str) -> AsyncIterator[Agent]:
    async with connect(store, owner_key, mode=mode) as agent:
        yield agent


async def make_resource(owner: Agent, role: str, name: str | None = None, type: str = "agent") -> tuple[str, str]:
    """A resource with the given role and a key for it: (resource_id, api_key). Without a `name`, a
    name of its own (names are unique in a ledger)."""
    resource = await owner.ok("ts.res.create", {"type": type, "name": name or f"{role}-{secrets.token_hex(3)}",
                                                "role": role})  # fmt: skip
    key = await owner.ok("ts.key.create", {"resource_id": resource["id"]})
    return resource["id"], key["api_key"]


@asynccontextmanager
async def as_role(owner: Agent, store: Store, role: str, mode: str = "auto") -> AsyncIterator[tuple[Agent, str]]:
    """A second agent, logged in as a new resource of `role`: (agent, resource_id)."""
    resource_id, api_key = await make_resource(owner, role)
    async with connect(store, api_key, mode=mode) as agent:
        yield agent, resource_id


def run_worktrail(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The real `worktrail` command, as a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "worktrail", *args],
        env={**os.environ, **(env or {})}, input=stdin, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def cli_person(db: Path | str, key: str, name: str, type: str = "human", status: str | None = None, role: str = "member") -> str:
    """A resource made with `worktrail call` by the holder of `key` (then set to `status`): its id."""
    made = run_worktrail("call", "ts.res.create", json.dumps({"type": type, "name": name, "role": role}),
                         "--db", str(db), env={"WORKTRAIL_API_KEY": key})  # fmt: skip
    assert made.returncode == 0, made.stderr
    resource_id = str(json.loads(made.stdout)["id"])
    if status:
        done = run_worktrail("call", "ts.res.update", json.dumps({"id": resource_id, "status": status}), "--db", str(db),
                             env={"WORKTRAIL_API_KEY": key})  # fmt: skip
        assert done.returncode == 0, done.stderr
    return resource_id


# The address `worktrail link` prints, on a line of its own.
ADDRESS = re.compile(r"^  (\S+/login/once\?token=\S+)$", re.M)


def cli_link(db: Path | str, resource_id: str, url: str) -> str:
    """The one-time sign-in address `worktrail link` prints for that person at the board of `url`."""
    printed = run_worktrail("link", "--resource", resource_id, "--url", url, "--db", str(db))
    found = ADDRESS.search(printed.stdout)
    assert printed.returncode == 0 and found is not None, printed.stderr
    return found.group(1)


@pytest.fixture
def cli_ledger(tmp_path: Path) -> Iterator[Path | str]:
    """Where a command-line test's ledger is, as `--db` takes it: a SQLite file's path, or with
    WORKTRAIL_TEST_POSTGRESQL a PostgreSQL schema's URL."""
    if POSTGRESQL:
        import asyncio
        from concurrent.futures import ThreadPoolExecutor

        # On a thread of its own: a browser test's driver keeps an event loop on this one.
        with ThreadPoolExecutor(1) as aside:
            schema = aside.submit(asyncio.run, take_schema(reuse=True)).result()
            yield schema_url(schema)
            aside.submit(asyncio.run, give_back(schema, reuse=True)).result()
    else:
        yield tmp_path / "cli.db"


def shown(where: Path | str) -> str:
    """A ledger as the commands name it: a SQLite file by its absolute path, a URL as given."""
    return str(where.resolve()) if isinstance(where, Path) else where


def _init(where: Path | str) -> tuple[Path | str, str]:
    done = run_worktrail("init", "--db", str(where), "--json")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert set(printed) == {"db", "resource_id", "api_key"} and printed["db"] == shown(where)
    return where, printed["api_key"]


@pytest.fixture
def initialised(cli_ledger: Path | str) -> tuple[Path | str, str]:
    """A ledger made by `worktrail init --json`, in the store under test: (where it is, owner key)."""
    return _init(cli_ledger)


@pytest.fixture
def sqlite_initialised(tmp_path: Path) -> tuple[Path, str]:
    """A SQLite ledger file made by `worktrail init --json`, whichever store the suite tests: for
    tests about SQLite's file itself (permissions, WAL, backup of a file)."""
    db, key = _init(tmp_path / "cli.db")
    assert isinstance(db, Path)
    return db, key


def _from_outside(where: Path | str, access: Access, work: Callable[[Store], Awaitable[T]]) -> T:
    """`work` on the ledger opened afresh, from outside any server (and any test's event loop)."""
    import asyncio

    async def run() -> T:
        store = await Store.open(where, access=access)
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(run())


def peek(where: Path | str, sql: str, *params: Any) -> list[Any]:
    """The rows of one query, read from outside any server (a test's look at what a process left)."""

    async def rows(conn: Connection) -> list[Any]:
        return [tuple(row) for row in await conn.fetchall(sql, params)]

    return _from_outside(where, "read_only", lambda store: store.db.read(rows))


def alter(where: Path | str, *statements: str) -> None:
    """Statements run on the ledger from outside any server, in one transaction (a test's way to
    damage or hold what a process will meet)."""

    async def run(conn: Connection) -> None:
        for statement in statements:
            await conn.execute(statement)

    _from_outside(where, "existing", lambda store: store.db.write(run))


@contextmanager
def write_lock_held(where: Path | str) -> Iterator[Callable[[], None]]:
    """Another process holding the ledger's write lock until `release()` is called (or the block
    ends): a SQLite writer's transaction, or a session on PostgreSQL's write lock."""
    if not str(where).startswith("postgresql"):
        holder = sqlite3.connect(where, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")

        def release() -> None:
            if holder.in_transaction:
                holder.execute("ROLLBACK")

        try:
            yield release
        finally:
            release()
            holder.close()
        return
    import asyncio
    import threading

    import asyncpg

    from worktrail.store.postgresql.database import WRITE_LOCK

    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()

    def on_loop(coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=30)

    conn = on_loop(asyncpg.connect(str(where)))
    on_loop(conn.execute("SELECT pg_advisory_lock($1)", WRITE_LOCK))
    released = False

    def release_lock() -> None:
        nonlocal released
        if not released:
            on_loop(conn.execute("SELECT pg_advisory_unlock($1)", WRITE_LOCK))
            released = True

    try:
        yield release_lock
    finally:
        release_lock()
        on_loop(conn.close())
        loop.call_soon_threadsafe(loop.stop)
