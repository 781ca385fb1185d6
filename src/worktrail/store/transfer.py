"""A whole ledger copied from one store to another (SQLite to PostgreSQL and back), and the proof
that the copy is the same: the count and a checksum of every table on both sides.

Rows are copied as they are stored, with their ids, timestamps, versions and rowids (so that lists
and exports read them in the same order), table by table in the order their references need.
The destination's writes are one held transaction: a copy that fails part-way leaves the
destination as empty as it was. What a store derives by itself (the search index of tasks) is
made by the destination from the rows, as it is for every insert."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from worktrail.store.connection import Connection
from worktrail.store.database import Database

BATCH = 2000
_MODULUS = 2**256


@dataclass(frozen=True)
class Table:
    """One table of the ledger as the copy reads it: in rowid order, or (a table SQLite keeps
    without a rowid) in the order of its primary key."""

    name: str
    key: str = "rowid"

    @property
    def key_columns(self) -> list[str]:
        return [column.strip() for column in self.key.split(",")]


# Every table of the ledger's data, each after the tables it refers to. The search index of tasks,
# SQLite's WAL restart row and the schema's version are the store's own, and are not copied.
TABLES = (
    Table("resource"),
    Table("api_key"),
    Table("endeavour"),
    Table("task"),
    Table("relation"),
    Table("change_record"),
    Table("ritual"),
    Table("ritual_run"),
    Table("idempotency_key", "resource_id, tool, key"),
    Table("mission"),
    Table("mission_run"),
    Table("plan_step"),
    Table("mission_event"),
    Table("workflow"),
    Table("workflow_run"),
    Table("workflow_secret"),
    Table("attachment"),
    Table("instance"),
    Table("execution"),
    Table("board_session"),
    Table("board_ticket"),
    Table("oauth_client"),
    Table("oauth_grant"),
    Table("oauth_code"),
    Table("oauth_token"),
)


@dataclass
class Tally:
    """One table's rows on one side: how many, and a checksum of them all (the sum of each row's
    SHA-256, so that it does not depend on the order a store returns rows in)."""

    rows: int = 0
    checksum: int = 0

    def add(self, row: dict[str, Any]) -> None:
        self.rows += 1
        text = repr(sorted(row.items())).encode()
        self.checksum = (self.checksum + int.from_bytes(hashlib.sha256(text).digest())) % _MODULUS

    @property
    def digest(self) -> str:
        return f"{self.checksum:064x}"[:16]


Progress = Callable[[str, int, int], None]  # table, rows copied so far, rows in all


def _row(found: Any) -> dict[str, Any]:
    """A stored row as plain values, the same on both stores (PostgreSQL's rowid is a column of
    `SELECT *`; SQLite's is not, and both are read as _rowid)."""
    row = dict(found)
    row.pop("rowid", None)
    return row


async def _batch(conn: Connection, table: Table, after: Any) -> list[dict[str, Any]]:
    if table.key == "rowid":
        where, params = ("" if after is None else "WHERE rowid > ?"), ([] if after is None else [after])
        sql = f"SELECT rowid AS _rowid, * FROM {table.name} {where} ORDER BY rowid LIMIT {BATCH}"
        return [_row(found) for found in await conn.fetchall(sql, params)]
    if after is None:
        where, params = "", []
    else:
        where, params = f"WHERE ({table.key}) > ({', '.join('?' for _ in table.key_columns)})", list(after)
    sql = f"SELECT * FROM {table.name} {where} ORDER BY {table.key} LIMIT {BATCH}"
    return [_row(found) for found in await conn.fetchall(sql, params)]


def _position(table: Table, row: dict[str, Any]) -> Any:
    if table.key == "rowid":
        return row["_rowid"]
    return tuple(row[column] for column in table.key_columns)


async def rows(db: Database, table: Table) -> Any:
    """The table's rows, a batch at a time, each batch its own short read."""
    after = None
    while True:
        batch = await db.read(lambda conn, after=after: _batch(conn, table, after))
        if not batch:
            return
        after = _position(table, batch[-1])
        yield batch


async def counts(db: Database) -> dict[str, int]:
    """How many rows each table holds."""

    async def count(conn: Connection) -> dict[str, int]:
        return {t.name: int((await conn.fetchone(f"SELECT COUNT(*) FROM {t.name}"))[0]) for t in TABLES}

    return await db.read(count)


async def tally(db: Database) -> dict[str, Tally]:
    """Every table's count and checksum."""
    out = {}
    for table in TABLES:
        out[table.name] = found = Tally()
        async for batch in rows(db, table):
            for row in batch:
                found.add(row)
    return out


def _inserting(table: Table, batch: list[dict[str, Any]]) -> Callable[[Connection], Awaitable[None]]:
    """A unit writing `batch` into `table`, with the rowids it was read with."""
    names = list(batch[0])
    columns = ", ".join("rowid" if name == "_rowid" else name for name in names)
    sql = f"INSERT INTO {table.name} ({columns}) VALUES ({', '.join('?' for _ in names)})"

    async def insert(conn: Connection) -> None:
        await conn.executemany(sql, ([row[n] for n in names] for row in batch))

    return insert


async def copy(source: Database, dest: Database, progress: Progress | None = None) -> dict[str, Tally]:
    """Every row of `source` into the empty `dest`, as one transaction there; the tallies of what
    was read from the source, to compare with the destination's."""
    totals = await counts(source)
    read: dict[str, Tally] = {}
    async with dest.hold(wait_seconds=30.0):
        for table in TABLES:
            read[table.name] = found = Tally()
            if progress is not None:
                progress(table.name, 0, totals[table.name])
            async for batch in rows(source, table):
                for row in batch:
                    found.add(row)
                await dest.write(_inserting(table, batch))
                if progress is not None:
                    progress(table.name, found.rows, totals[table.name])

        async def follow(conn: Connection) -> None:
            for table in TABLES:
                await conn.ids_follow(table.name)

        await dest.commit_held(follow)
    return read
