"""What a store's code asks the database, and how the database plans it: for the tests that pin a
list's or a claim's plan on each store."""

from __future__ import annotations

from typing import Any

from worktrail.store.connection import Connection


class Recording:
    """The store's own connection, with the statements it is handed written down."""

    def __init__(self, conn: Connection) -> None:
        self.conn, self.seen = conn, []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)

    async def fetchone(self, sql: str, params: Any = ()) -> Any:
        self.seen.append((sql, list(params)))
        return await self.conn.fetchone(sql, params)

    async def fetchall(self, sql: str, params: Any = ()) -> Any:
        self.seen.append((sql, list(params)))
        return await self.conn.fetchall(sql, params)


async def plan(conn: Connection, sql: str, params: list[Any], off: tuple[str, ...] = ("enable_sort", "enable_seqscan")) -> str:
    """The plan of `sql`, one line: SQLite's EXPLAIN QUERY PLAN, or PostgreSQL's EXPLAIN with `off`
    priced out (a tiny table is sorted or scanned, else). PostgreSQL's needs a write transaction."""
    if conn.backend == "sqlite":
        return " | ".join(row[3] for row in await conn.fetchall(f"EXPLAIN QUERY PLAN {sql}", params))
    for setting in off:
        await conn.execute(f"SET LOCAL {setting} = off")
    return " | ".join(row[0] for row in await conn.fetchall(f"EXPLAIN {sql}", params))
