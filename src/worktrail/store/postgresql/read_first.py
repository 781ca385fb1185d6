"""An update read first, then written by one statement: two round trips, not four.

A unit that begins with the read of one row and ends with a compare-and-set on it (a task's
update: `Database.write(..., read_first=True)`) runs here on a connection that reads that row
before any transaction, lets Python decide on it (the lifecycle, the permission, the lease, the
change record's diff), and sends the compare-and-set as one call of the table's update function
(update_function.py), parameterised, in its own implicit transaction: the write lock, the session
key's re-check after it, the compare-and-set on the row exactly as read, the change record.

The row a process wrote last is kept (`RowsKnown`: the row as the function wrote it, with the
`xmin` it answered), so that its next update of that row decides on it without reading it again:
one round trip. Any write to the row since, by any process (a lease's renewal and a dependant's
count too, which keep the version), gives it another `xmin`, and the function then writes nothing.

If the unit reads or writes anything else between the two (a task in an endeavour, a move into or
out of `done`), that statement begins the write the usual way first (BEGIN, the lock and the key's
re-check, database.py), the rest runs under the lock, and the function still compares the row as
read; the write then commits as any other. Anything short of a clean finish (the row changed since
it was read, the key not as the session knows it, any refusal, a unit of another shape) writes
nothing and raises `Unsettled`: the write then runs again the usual way, from BEGIN, where every
refusal and every lost race is decided under the lock exactly as before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import asyncpg

from worktrail.store.connection import CompareAndSet, Params
from worktrail.store.postgresql.connection import PostgresqlConnection
from worktrail.store.postgresql.update_function import CHANGE_COLUMNS, FUNCTIONS, as_json

_ROW_READ = "SELECT * FROM {table} WHERE id = ?"
_XMIN = "worktrail_read_xmin"


class RowsKnown:
    """The rows this process's update functions wrote last, each with its `xmin`: as good as a
    read of the row for the next update, whose function compares that `xmin` (a few; oldest out)."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._rows: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}

    def get(self, table: str, row_id: str) -> tuple[dict[str, Any], str] | None:
        return self._rows.get((table, row_id))

    def keep(self, table: str, row_id: str, row: dict[str, Any], xmin: str) -> None:
        self._rows.pop((table, row_id), None)
        self._rows[(table, row_id)] = (row, xmin)
        if len(self._rows) > self._size:
            del self._rows[next(iter(self._rows))]

    def forget(self, table: str, row_id: str) -> None:
        self._rows.pop((table, row_id), None)


class Unsettled(Exception):
    """The read-first pass wrote nothing and could not finish: the write runs again the usual way."""


class ReadFirstConnection(PostgresqlConnection):
    """`Connection` for a unit run read first. `begin`: begins the write the usual way (BEGIN, the
    lock, the key's re-check); `lock`: the write lock's key and wait (ms); `key`: the session key's
    known values to re-check, or None when no re-check is due."""

    def __init__(self, raw: asyncpg.Connection, traced: list[tuple[str, tuple[Any, ...]]] | None,
                 begin: Callable[[], Awaitable[None]], lock: tuple[int, int],
                 key: tuple[str, str, str, str] | None, known: RowsKnown) -> None:  # fmt: skip
        super().__init__(raw, traced)
        self.known = known
        self.kept: tuple[dict[str, Any], str] | None = None  # the row as written and its xmin, once written
        self._begin = begin
        self._lock = lock
        self._key = key
        self.first: tuple[str, str, Mapping[str, Any], str] | None = None  # table, id, row, its xmin
        self.began = False  # the write was begun the usual way: the caller commits it
        self.written = False  # the compare-and-set matched (committed already unless `began`)

    async def _in_write(self) -> None:
        """Any statement but the first read and the last write runs in the write's transaction."""
        if self.written:
            raise RuntimeError("a unit run read first sent a statement after its compare-and-set")
        if self.first is None:
            raise Unsettled("the unit did not begin with the read of its row")
        if not self.began:
            await self._begin()
            self.began = True

    async def fetchone(self, sql: str, params: Params = ()) -> Any:
        if self.first is None and not self.began:
            return await self._read_first(sql, params)
        await self._in_write()
        return await super().fetchone(sql, params)

    async def _read_first(self, sql: str, params: Params) -> Any:
        table = next((name for name in FUNCTIONS if sql == _ROW_READ.format(table=name)), None)
        if table is None:
            raise Unsettled("the unit's first statement is not the read of a row an update function writes")
        kept = self.known.get(table, str(params[0]))
        if kept is not None:  # written by this process last: as read, if its xmin still is
            self.first = (table, str(params[0]), kept[0], kept[1])
            return dict(kept[0])
        self._said(sql, params)
        found = await self.raw.fetchrow(f"SELECT xmin::text AS {_XMIN}, * FROM {table} WHERE id = $1", *params)
        if found is None:
            raise Unsettled("no such row: the usual way says so")
        row = dict(found)
        xmin = row.pop(_XMIN)
        self.first = (table, str(params[0]), row, xmin)
        return row

    async def execute(self, sql: str, params: Params = ()) -> int:
        await self._in_write()
        return await super().execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._in_write()
        await super().executemany(sql, rows)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Any]:
        await self._in_write()
        return await super().fetchall(sql, params)

    async def fetchone_then_insert(
        self, sql: str, params: Params, table: str, values: Mapping[str, Any], carried: str, *,
        described: CompareAndSet | None = None,
    ) -> Any:  # fmt: skip
        arguments = self._arguments(described)
        if arguments is None:
            raise Unsettled("the unit's last statement is not the compare-and-set of the row read first")
        if self.written:
            raise RuntimeError("a unit run read first sent a statement after its compare-and-set")
        function = FUNCTIONS[self.first[0]]  # type: ignore[index]
        self._said(function.call, arguments)
        made, xmin = await self.raw.fetchrow(function.call, *arguments)
        if made == 0:
            raise Unsettled("the session's key is not as it knows it: the full check says why")
        if made is None:
            raise Unsettled("the row changed after it was read")
        self.written = True
        self.kept = ({**self.first[2], **described.values, "version": made}, xmin)  # type: ignore[index, union-attr]
        return (made,)

    def _arguments(self, described: CompareAndSet | None) -> list[Any] | None:
        """The function's arguments for `described`, or None when it cannot write it: another row
        or table, a column it does not write, a value JSON cannot carry exactly."""
        if described is None or self.first is None:
            return None
        table, entity_id, row, xmin = self.first
        function = FUNCTIONS[table]
        if (described.table, described.entity_id) != (table, entity_id) or described.noted_table != "change_record":
            return None
        if not set(described.values) <= function.writes or not set(described.noted) <= set(CHANGE_COLUMNS):
            return None
        values, change = as_json(described.values), as_json(described.noted)
        if values is None or change is None:
            return None
        key = (None, None, None, None) if self.began or self._key is None else self._key
        return [*self._lock, *key, entity_id, described.expected_status, row["version"], xmin, values, change]

