"""A unit of work on an asyncpg connection: the `Connection` interface over it.

SQL is written once for both stores, with `?` placeholders and SQLite's case-insensitive LIKE;
here it is said PostgreSQL's way once per statement text (`$1`, `$2`...; ILIKE) and cached."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import asyncpg

from worktrail.store.connection import CompareAndSet, Params
from worktrail.store.postgresql.search import MATCH, NEWEST, WALKED, match_query
from worktrail.store.rows import COUNT_CAP, as_dict

_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?|\bLIKE\b", re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def postgresql_sql(sql: str) -> str:
    """`sql` with its `?` numbered and LIKE made ILIKE, outside quoted text."""
    count = 0

    def one(match: re.Match[str]) -> str:
        nonlocal count
        token = match.group(0)
        if token == "?":
            count += 1
            return f"${count}"
        if token.upper() == "LIKE":
            return "ILIKE"
        return token

    return _TOKENS.sub(one, sql)


def _changed(status: str) -> int:
    """Rows changed, from asyncpg's command status ("UPDATE 3", "INSERT 0 1", "DELETE 0")."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PostgresqlConnection:
    """`Connection` over one asyncpg connection (rows are `asyncpg.Record`)."""

    backend = "postgresql"

    def __init__(self, raw: asyncpg.Connection, traced: list[tuple[str, tuple[Any, ...]]] | None = None) -> None:
        self.raw = raw
        self.erases = False
        self.traced = traced  # when a list: each statement and its parameters, appended as run

    def _said(self, sql: str, params: Params) -> str:
        """`sql` in PostgreSQL's words, noted first when statements are traced."""
        if self.traced is not None:
            self.traced.append((sql, tuple(params)))
        return postgresql_sql(sql)

    async def execute(self, sql: str, params: Params = ()) -> int:
        return _changed(await self.raw.execute(self._said(sql, params), *params))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self.raw.executemany(postgresql_sql(sql), rows)

    async def fetchone(self, sql: str, params: Params = ()) -> Any:
        return await self.raw.fetchrow(self._said(sql, params), *params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Any]:
        return list(await self.raw.fetch(self._said(sql, params), *params))

    async def fetchone_then_insert(
        self, sql: str, params: Params, table: str, values: Mapping[str, Any], carried: str, *,
        described: CompareAndSet | None = None,
    ) -> Any:  # fmt: skip
        # One statement: the INSERT reads the row the first statement answers, and adds nothing when
        # it answers none. Its values are parameters of a SELECT list, which PostgreSQL types as text.
        marks = ", ".join("?" for _ in values)
        combined = (
            f"WITH answered AS ({sql}), inserted AS (INSERT INTO {table} ({', '.join([*values, carried])})"
            f" SELECT {marks}, {carried} FROM answered) SELECT * FROM answered"
        )
        return await self.fetchone(combined, [*params, *values.values()])

    async def task_match(self, text: str) -> tuple[str, str] | None:
        words = match_query(text)
        return None if words is None else (MATCH, words)

    async def task_page(self, match: tuple[str, str], where: Sequence[str], params: Sequence[Any], limit: int,
                        offset: int, json_columns: Iterable[str]) -> tuple[list[dict[str, Any]], int] | None:
        """A search alone: its count and its page in one round trip (search.NEWEST); with other
        filters, None (the shared page reads it, the match one term among them)."""
        if where:
            return None
        rows = await self.fetchall(NEWEST.format(cap=COUNT_CAP), [match[1], limit, offset])
        total = int(rows[0]["search_total"])  # one row at least: a page past the matches is one of NULLs
        if total >= COUNT_CAP:
            rows = await self.fetchall(WALKED, [match[1], limit, offset])
        tasks = sorted((row for row in rows if row["rowid"] is not None), key=lambda row: row["rowid"], reverse=True)
        columns = tuple(json_columns)
        return [{k: v for k, v in as_dict(row, columns).items() if k != "search_total"} for row in tasks], total

    def deep_page(self, table: str, clause: str, order: str) -> str | None:
        """The rows before the page skipped as index entries, then only the page's rows read: a
        plain OFFSET reads each skipped row too (10,000 of them: 6.5 ms; skipped in the index, 2).
        Ordered by what the skipping read answers, so the page keeps the index's order unsorted."""
        keys = [part.split()[0] for part in order.split(",")]
        ordered = ", ".join(f"skipped.{part.strip()}" for part in order.split(","))
        return (
            f"SELECT page_row.* FROM (SELECT {', '.join(dict.fromkeys(['rowid', *keys]))} FROM {table}{clause}"
            f" ORDER BY {order} LIMIT ? OFFSET ?) AS skipped"
            f" JOIN {table} AS page_row ON page_row.rowid = skipped.rowid ORDER BY {ordered}"
        )

    def indexed_by(self, index: str) -> str:
        return ""  # its planner takes the partial index that serves the order (and has no hints)

    async def ids_follow(self, table: str) -> None:
        identities = await self.raw.fetch(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = $1 AND is_identity = 'YES'",
            table,
        )
        if table == "change_record":  # past the numbers of the creates kept on task rows too (audit_creates.py)
            await self.raw.execute(
                "SELECT setval(pg_get_serial_sequence('change_record', 'rowid'), GREATEST("
                "(SELECT COALESCE(MAX(rowid), 0) FROM change_record), (SELECT COALESCE(MAX(created_number), 0) FROM task)) + 1, false)"
            )
            return
        for (column,) in identities:
            await self.raw.execute(
                f"SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX({column}), 0) + 1, false) FROM {table}",
                table,
                column,
            )
