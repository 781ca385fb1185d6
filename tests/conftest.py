"""Shared fixtures: a real SQLite ledger in a temporary directory, and agents that reach it
through the official SDK client, in memory, in both protocol eras."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.types import Implementation

from worktrail.domain.clock import Clock, SystemClock, format_ts, parse_ts
from worktrail.store.audit import Origin
from worktrail.store.connection import Connection
from worktrail.store.store import Store
from worktrail.tools.catalog import ALL_TOOLS
from worktrail.tools.context import Session
from worktrail.tools.declaration import Tool
from worktrail.tools.registry import Registry
from worktrail.transport.server import build_server


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


# WORKTRAIL_TEST_POSTGRESQL=postgresql:///DBNAME runs the suite on PostgreSQL: each test's ledger
# is a schema of its own in that database, dropped at the end.
POSTGRESQL = os.environ.get("WORKTRAIL_TEST_POSTGRESQL")


@asynccontextmanager
async def postgresql_ledger() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL ledger location (a schema of its own), dropped afterwards."""
    import asyncpg

    assert POSTGRESQL is not None
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(POSTGRESQL)
    try:
        await admin.execute("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public")
        await admin.execute(f"CREATE SCHEMA {schema}")
        yield f"{POSTGRESQL}{'&' if '?' in POSTGRESQL else '?'}search_path={schema},public"
    finally:
        await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await admin.close()


@pytest.fixture
async def ledger(db_path: Path) -> AsyncIterator[str]:
    """Where this test's ledger is, as `--db` takes it: a SQLite file, or with
    WORKTRAIL_TEST_POSTGRESQL a PostgreSQL schema of its own."""
    if POSTGRESQL:
        async with postgresql_ledger() as url:
            yield url
    else:
        yield str(db_path)


@pytest.fixture
async def store(ledger: str) -> AsyncIterator[Store]:
    opened = await Store.open(ledger)
    yield opened
    await opened.close()


async def scalar(store: Store, sql: str, *params: Any) -> Any:
    """The first value of the first row `sql` answers, read in the store's own way (either backend)."""

    async def read(conn: Connection) -> Any:
        row = await conn.fetchone(sql, params)
        return None if row is None else row[0]

    return await store.db.read(read)


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
    """A resource with the given role and a key for it: (resource_id, api_key)."""
    resource = await owner.ok("ts.res.create", {"type": type, "name": name or f"{role}-1", "role": role})
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


@pytest.fixture
def initialised(tmp_path: Path) -> tuple[Path, str]:
    """A ledger made by `worktrail init --json`: (database path, owner key)."""
    db = tmp_path / "cli.db"
    done = run_worktrail("init", "--db", str(db), "--json")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert set(printed) == {"db", "resource_id", "api_key"} and printed["db"] == str(db.resolve())
    return db, printed["api_key"]
