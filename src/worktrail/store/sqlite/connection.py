"""A unit of work on a sqlite3 connection: the `Connection` interface over it, and the driving of
an async unit to its end without an event loop.

sqlite3 answers at once, so a unit's awaits on this connection never suspend: `run` drives the
unit's coroutine to its end in one step, wherever it is called (on the event loop, or on a
connection's thread). A unit that awaits anything else is a bug, and is refused as one."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from worktrail.store.audit_creates import NEXT_NUMBER
from worktrail.store.connection import CompareAndSet, Connection, Params
from worktrail.store.sqlite import search
from worktrail.store.sqlite.search import match_query

T = TypeVar("T")


class SqliteConnection:
    """`Connection` over one sqlite3 connection (rows are `sqlite3.Row`)."""

    backend = "sqlite"

    def __init__(self, raw: sqlite3.Connection) -> None:
        self.raw = raw
        self.erases = False

    async def execute(self, sql: str, params: Params = ()) -> int:
        return self.raw.execute(sql, params).rowcount

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        self.raw.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> Any:
        return self.raw.execute(sql, params).fetchone()

    async def fetchall(self, sql: str, params: Params = ()) -> list[Any]:
        return self.raw.execute(sql, params).fetchall()

    async def fetchone_then_insert(
        self, sql: str, params: Params, table: str, values: Mapping[str, Any], carried: str, *,
        described: CompareAndSet | None = None,
    ) -> Any:  # fmt: skip
        row = self.raw.execute(sql, params).fetchone()
        if row is not None:  # two statements: SQLite has no round trips to save, nor a write in a WITH
            names = [*values, carried]
            marks = ", ".join("?" for _ in names)
            if table == "change_record":  # numbered past the creates kept on task rows (audit_creates.py)
                names, marks = ["rowid", *names], f"{NEXT_NUMBER}, {marks}"
            self.raw.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", [*values.values(), row[carried]])
        return row

    async def task_match(self, text: str) -> tuple[str, str] | None:
        words = match_query(text)
        return None if words is None else ("task_text MATCH ?", words)

    async def task_page(self, match: tuple[str, str], where: Sequence[str], params: Sequence[Any], limit: int,
                        offset: int, json_columns: Iterable[str]) -> tuple[list[dict[str, Any]], int] | None:
        return await search.task_page(self, match, where, params, limit, offset, json_columns)

    def deep_page(self, table: str, clause: str, order: str) -> str | None:
        return None  # SQLite skips the rows before the page in the index without reading them (a deferred seek)

    def indexed_by(self, index: str) -> str:
        return f" INDEXED BY {index}"

    async def ids_follow(self, table: str) -> None:
        return None  # a rowid, and an AUTOINCREMENT's sqlite_sequence, follow the largest stored


def run(unit: Callable[[Connection], Awaitable[T]], conn: SqliteConnection) -> T:
    """`unit(conn)` to its end, here and now (see the module's note)."""
    coroutine = unit(conn)
    assert isinstance(coroutine, Coroutine)
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    raise RuntimeError("a unit of work awaited something other than its connection")
