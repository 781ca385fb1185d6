"""The suite's PostgreSQL ledgers: with WORKTRAIL_TEST_POSTGRESQL=postgresql:///DBNAME, each test's
ledger is a schema of its own in that database, made for it, then emptied for the next test (or
dropped when the test changed its shape)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from worktrail.store.store import Store

# The database named by WORKTRAIL_TEST_POSTGRESQL; each pytest-xdist worker works in a database of
# its own beside it (NAME_gw0, NAME_gw1, ...), made at the start of its session and dropped at its
# end. One database for all would let one worker's open snapshots hold back what another's VACUUM
# may remove (PostgreSQL keeps a row any transaction in the database may still see), and a
# secret's erasure from the table's files is among what the suite checks.
GIVEN = os.environ.get("WORKTRAIL_TEST_POSTGRESQL")
WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def _beside(url: str, suffix: str) -> str:
    """The URL of database NAME_suffix on the same server (postgresql:///NAME?... or postgresql://HOST/NAME)."""
    head, mark, query = url.partition("?")
    return f"{head}_{suffix}{mark}{query}"


POSTGRESQL = _beside(GIVEN, WORKER) if GIVEN and WORKER else GIVEN


# Schemas earlier tests used, emptied again and still at the current schema version: a test's
# ledger is ready in a few milliseconds instead of the ~300 that the migrations take.
_EMPTIED: list[str] = []


_SHAPE = """
SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL SELECT 'trigger ' || t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND NOT t.tgisinternal
UNION ALL SELECT 'function ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = $1
ORDER BY 1
"""
_REFERENCE: list[str] = []  # the shape of a freshly migrated ledger schema, made once
_EXTENDED: list[bool] = []  # this process made sure of the unaccent extension


async def _shape(admin: Any, schema: str) -> list[str]:
    return [r[0] for r in await admin.fetch(_SHAPE, schema)]


async def _emptied(admin: Any, schema: str) -> bool:
    """Empty a used ledger schema for the next test, if it is exactly a freshly migrated ledger's
    shape still (no table, column, index, trigger or function a test added or took away)."""
    from worktrail.store.migrations import SCHEMA_VERSION
    from worktrail.store.transfer import TABLES

    if not _REFERENCE:
        reference = f"test_reference_{uuid.uuid4().hex[:8]}"
        await admin.execute(f"CREATE SCHEMA {reference}")
        made = await Store.open(schema_url(reference))
        await made.close()
        _REFERENCE.extend(await _shape(admin, reference))
        await admin.execute(f"DROP SCHEMA {reference} CASCADE")
    if await _shape(admin, schema) != _REFERENCE:
        return False
    if await admin.fetchval(f"SELECT version FROM {schema}.worktrail_schema") != SCHEMA_VERSION:
        return False
    # DELETE, not TRUNCATE: a few rows go faster than new files for every table and index.
    emptying = ["task_text", *reversed([t.name for t in TABLES])]  # what refers to a row first
    await admin.execute("; ".join(f"DELETE FROM {schema}.{t}" for t in emptying))
    return True


async def take_schema(reuse: bool) -> str:
    """A schema for one test's ledger: a new, empty one, or (`reuse`) possibly an emptied one."""
    import asyncpg

    assert POSTGRESQL is not None
    schema = _EMPTIED.pop() if reuse and _EMPTIED else f"test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(POSTGRESQL)
    try:
        if not _EXTENDED:
            # Under a lock: workers creating it at once would collide on pg_extension's unique name.
            async with admin.transaction():
                await admin.execute("SELECT pg_advisory_xact_lock(hashtext('worktrail tests: unaccent'))")
                await admin.execute("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public")
            _EXTENDED.append(True)
        await admin.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    finally:
        await admin.close()
    return schema


async def give_back(schema: str, reuse: bool) -> None:
    """The test is done with `schema`: emptied for the next (`reuse`, when it is a ledger still) or dropped."""
    import asyncpg

    admin = await asyncpg.connect(POSTGRESQL)
    try:
        if reuse and await _emptied(admin, schema):
            _EMPTIED.append(schema)
        else:
            await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    finally:
        await admin.close()


def schema_url(schema: str) -> str:
    assert POSTGRESQL is not None
    return f"{POSTGRESQL}{'&' if '?' in POSTGRESQL else '?'}search_path={schema},public"


@asynccontextmanager
async def postgresql_ledger(reuse: bool = False) -> AsyncIterator[str]:
    """A PostgreSQL ledger location (a schema of its own): empty, or (`reuse`) possibly an emptied
    ledger schema of an earlier test; dropped or emptied afterwards."""
    schema = await take_schema(reuse)
    try:
        yield schema_url(schema)
    finally:
        await give_back(schema, reuse)


async def _drop_emptied() -> None:
    import asyncpg

    admin = await asyncpg.connect(POSTGRESQL)
    try:
        for schema in _EMPTIED:
            await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    finally:
        await admin.close()


def drop_emptied() -> None:
    """Drop the emptied schemas left for tests that did not come (at the end of the session), and
    a worker's own database."""
    if POSTGRESQL and _EMPTIED:
        asyncio.run(_drop_emptied())
    if GIVEN and POSTGRESQL != GIVEN:
        asyncio.run(_worker_database(make=False))


async def _worker_database(make: bool) -> None:
    import asyncpg

    name = urlsplit(str(POSTGRESQL)).path.lstrip("/")
    admin = await asyncpg.connect(GIVEN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # a run before this one's
        if make:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def make_worker_database() -> None:
    """This worker's own database, new (at the start of its session)."""
    if GIVEN and POSTGRESQL != GIVEN:
        asyncio.run(_worker_database(make=True))
