"""Bringing a PostgreSQL ledger's schema up to date: the same numbered steps as SQLite's, said
PostgreSQL's way (schema.py), each applied once, in one transaction with the version bump, under an
advisory lock, so that several processes starting together on an empty database end with one
schema. A database with tables of another program is refused and left exactly as it was."""

from __future__ import annotations

import asyncpg

from worktrail.domain.clock import SystemClock, format_ts
from worktrail.store.migrations import MIGRATIONS, SCHEMA_VERSION
from worktrail.store.postgresql.connection import postgresql_sql
from worktrail.store.postgresql.schema import step
from worktrail.store.rewrite import Rewrite
from worktrail.store.sqlite.ledger_file import NoLedger, NotALedger, SchemaTooNew

# pg_advisory_xact_lock keys: 'wkmg' (migrations).
MIGRATION_LOCK = 0x776B6D67


async def upgrade(raw: asyncpg.Connection, *, create: bool, shown: str) -> int:
    """Apply every step the database lacks (or, unless `create`, refuse one that has no ledger yet);
    answer the version it is at now."""
    async with raw.transaction():
        await raw.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        version = await schema_version(raw, shown)
        if version == 0:
            if not create:
                raise NoLedger(f"{shown} has no worktrail ledger (an empty database); create it with worktrail init")
            await raw.execute(
                "CREATE TABLE worktrail_schema (version BIGINT NOT NULL); INSERT INTO worktrail_schema VALUES (0)"
            )
        for number in range(version, SCHEMA_VERSION):
            shared = MIGRATIONS[number]
            if isinstance(shared, Rewrite):
                rows = [tuple(row) for row in await raw.fetch(postgresql_sql(shared.select))]
                for sql, params in shared.change(rows, format_ts(SystemClock().now())):
                    await raw.execute(postgresql_sql(sql), *params)
            else:
                await raw.execute(step(number, shared))
            await raw.execute("UPDATE worktrail_schema SET version = $1", number + 1)
    return SCHEMA_VERSION


async def schema_version(raw: asyncpg.Connection, shown: str) -> int:
    """The ledger's schema version, 0 for an empty database; refuses another program's database
    and a newer worktrail's ledger."""
    if await raw.fetchval("SELECT to_regclass('worktrail_schema') IS NOT NULL"):
        version = int(await raw.fetchval("SELECT version FROM worktrail_schema"))
        if version > SCHEMA_VERSION:
            raise SchemaTooNew(
                f"{version=} of the ledger is newer than this worktrail knows ({SCHEMA_VERSION}); upgrade worktrail"
            )
        return version
    if await raw.fetchval("SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema())"):
        raise NotALedger(f"{shown} has tables of another program, not a worktrail ledger; worktrail adds nothing to it")
    return 0
