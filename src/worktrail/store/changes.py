"""Where the change record stands: the number of its latest record, stored or a task's create
kept on its row (audit_creates.py), two indexed reads (the rowids' own indexes on both stores),
for the board's one watcher per process; and, in the same read, how many board sessions have
ended (a one-row count), so a logout wakes it too.

Writes are serialised on both stores (SQLite's one writer, PostgreSQL's write lock), so records
are numbered in the order they commit and a new number means a new commit."""

from __future__ import annotations

from collections.abc import AsyncIterator

from worktrail.store.audit_creates import LATEST
from worktrail.store.connection import Connection
from worktrail.store.database import Database


async def _latest(conn: Connection) -> int:
    row = await conn.fetchone(LATEST)
    return int(row[0] or 0)


async def _mark(conn: Connection) -> tuple[int, int]:
    row = await conn.fetchone(f"SELECT ({LATEST}), (SELECT MAX(n) FROM board_session_ends)")
    return int(row[0] or 0), int(row[1] or 0)


class Changes:
    """The change record's high-water mark."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def latest(self) -> int:
        return await self.db.read(_latest)

    async def follow(self, period: float) -> AsyncIterator[tuple[int, int]]:
        """The high-water mark and the count of ended board sessions, each time the store signals
        that they may have moved: every `period` on SQLite, on NOTIFY on PostgreSQL (and once at
        the start)."""
        async for _ in self.db.signals(period):
            yield await self.db.read(_mark)
