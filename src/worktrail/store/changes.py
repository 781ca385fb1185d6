"""Where the change record stands: the number of its latest record, one indexed read (the
rowid's own index on both stores), for the board's one watcher per process.

Writes are serialised on both stores (SQLite's one writer, PostgreSQL's write lock), so records
are numbered in the order they commit and a new number means a new commit."""

from __future__ import annotations

from worktrail.store.connection import Connection
from worktrail.store.database import Database


async def _latest(conn: Connection) -> int:
    row = await conn.fetchone("SELECT MAX(rowid) FROM change_record")
    return int(row[0] or 0)


class Changes:
    """The change record's high-water mark."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def latest(self) -> int:
        return await self.db.read(_latest)
