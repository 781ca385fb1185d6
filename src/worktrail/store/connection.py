"""The one interface every repository writes its SQL against: a connection inside one unit of
work (a read snapshot or a write transaction), whichever database is behind it.

A unit of work is an `async def unit(conn: Connection) -> T`. Its statements are awaited, and it
awaits nothing else: on SQLite they run at once, on the event loop or on a connection's thread
(sqlite/connection.py); on PostgreSQL each is a round trip to the server. SQL is written once, with
`?` placeholders; a backend that numbers its parameters translates them. A row answers by column
name and by position, and `dict(row)` gives all of it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
Row = Mapping[str, Any]
Params = Sequence[Any]


@dataclass(frozen=True)
class CompareAndSet:
    """An update's compare-and-set with its change record, described as well as said in SQL
    (`rows.update_if_status`), so that a store may write it its own way where the unit runs read
    first (`Database.write(read_first=True)`; PostgreSQL: postgresql/read_first.py)."""

    table: str
    entity_id: str
    values: Mapping[str, Any]  # the columns set (the version is counted besides)
    expected_status: str
    noted_table: str
    noted: Mapping[str, Any]  # the change record's columns but its version


class Connection(Protocol):
    """One connection, inside the transaction or snapshot its unit of work runs in."""

    backend: str  # "sqlite" or "postgresql": for the little SQL that differs (search, upserts)
    erases: bool  # set by what deletes content that must leave the disk too (erasure.py)

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; answer how many rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement once for each set of parameters."""
        ...

    async def fetchone(self, sql: str, params: Params = ()) -> Any:
        """The first row the query answers, or None."""
        ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Any]:
        """Every row the query answers."""
        ...

    async def fetchone_then_insert(
        self, sql: str, params: Params, table: str, values: Mapping[str, Any], carried: str, *,
        described: CompareAndSet | None = None,
    ) -> Any:  # fmt: skip
        """`fetchone(sql, params)` for a statement that answers with RETURNING `carried`, and for the
        row it answers one INSERT of `values` into `table` with that `carried` column added (a
        change record and the version its update made), as one statement where the store can: on
        PostgreSQL one round trip, not two. No row, nothing inserted. `table` and the column names
        come from code; the inserted values are text or NULL. `described`: the same compare-and-set
        described (only a connection of a unit run read first uses it)."""
        ...

    async def task_match(self, text: str) -> tuple[str, str] | None:
        """The store's own full-text test of `task_text` for every word of `text` as the start of a
        word, with its one parameter; None when `text` has no word to look up."""
        ...

    async def task_page(self, match: tuple[str, str], where: Sequence[str], params: Sequence[Any], limit: int,
                        offset: int, json_columns: Iterable[str]) -> tuple[list[dict[str, Any]], int] | None:
        """One page of the tasks `match` (from `task_match`) finds that meet `where`, newest first, and
        their total (up to COUNT_CAP), where the store reads a search its own way (SQLite: from the
        index's side, sqlite/search.py); None where the shared page reads it."""
        ...

    def deep_page(self, table: str, clause: str, order: str) -> str | None:
        """A page past the first (OFFSET > 0) of `SELECT * FROM table clause ORDER BY order`, as this
        store reads it best, with the same parameters (the clause's, then LIMIT and OFFSET); None
        for the plain query."""
        ...

    def indexed_by(self, index: str) -> str:
        """What to write after a table's name in FROM so that a query reads `index` (a partial
        index SQLite's planner passes over for one it must then sort: SQLite's `INDEXED BY`), or ""
        where the planner picks it by itself."""
        ...

    async def ids_follow(self, table: str) -> None:
        """After rows were copied into `table` with their ids: the ids the store generates next
        come after theirs (SQLite does this by itself)."""
        ...


# A unit of work: everything one read snapshot or one write transaction does.
Unit = Callable[[Connection], Awaitable[T]]
