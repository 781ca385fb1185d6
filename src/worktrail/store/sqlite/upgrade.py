"""Bringing a ledger file's schema up to date, and reading which version it is at.

Each migration is applied once, in order, inside one `BEGIN IMMEDIATE` transaction together with
the version bump, so two processes opening a new file at once cannot both apply it.
"""

from __future__ import annotations

import sqlite3

from worktrail.domain.clock import SystemClock, format_ts
from worktrail.store.migrations import MIGRATIONS, SCHEMA_VERSION
from worktrail.store.rewrite import Rewrite
from worktrail.store.sqlite.ledger_file import NoLedger, NotALedger, ReadOnlyLedger, SchemaTooNew


def migrate(conn: sqlite3.Connection) -> int:
    """Apply every migration the file lacks; return the version it is at now."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if "readonly" in str(error).lower():
            raise ReadOnlyLedger("it cannot be written (a read-only file, folder or mount)") from None
        raise
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise SchemaTooNew(
                f"{version=} of the database is newer than this worktrail knows ({SCHEMA_VERSION}); upgrade worktrail"
            )
        if version == 0 and conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone():
            raise NotALedger("it is a SQLite database with tables of another program, not a worktrail ledger")
        for number in range(version, SCHEMA_VERSION):
            step = MIGRATIONS[number]
            if isinstance(step, Rewrite):
                rows = [tuple(row) for row in conn.execute(step.select).fetchall()]
                for sql, params in step.change(rows, format_ts(SystemClock().now())):
                    conn.execute(sql, params)
            else:
                for statement in _statements(step):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return SCHEMA_VERSION


def check_readable_schema(conn: sqlite3.Connection) -> None:
    """Refuse, before any read, a file that is not a ledger this worktrail can read."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == 0:
        has_tables = conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone()
        if has_tables:
            raise NotALedger("it is a SQLite database with tables of another program, not a worktrail ledger")
        raise NoLedger("it has no worktrail schema (an empty database); create it with worktrail init")
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(f"{version=} of the database is newer than this worktrail knows ({SCHEMA_VERSION})")


def _statements(script: str) -> list[str]:
    """The script's statements, one by one; a trigger's body keeps its own semicolons."""
    statements: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                statements.append(pending.strip())
            pending = ""
    return statements
