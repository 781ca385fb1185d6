"""Every run of every kind in one list: ritual runs, mission runs, workflow runs and executions,
each with its own status and the status all runs share (`Lifecycle.common`), newest first.

Each kind's page is read from its own `(status, created_at)` or `created_at` index, at most
`offset + limit` rows of each, and the pages are merged here: no query sorts every run."""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any

from worktrail.domain.lifecycle import Lifecycle
from worktrail.domain.lifecycles import EXECUTION, MISSION_RUN, RITUAL_RUN, WORKFLOW_RUN
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.rows import COUNT_CAP, capped_count


@dataclass(frozen=True)
class RunKind:
    """Where one kind of run is kept: its table, its lifecycle, and the column naming its parent."""

    kind: str
    table: str
    lifecycle: Lifecycle
    parent: str


KINDS = (
    RunKind("ritual_run", "ritual_run", RITUAL_RUN, "ritual_id"),
    RunKind("mission_run", "mission_run", MISSION_RUN, "mission_id"),
    RunKind("workflow_run", "workflow_run", WORKFLOW_RUN, "workflow_id"),
    RunKind("execution", "execution", EXECUTION, "config_id"),
)
BY_KIND = {k.kind: k for k in KINDS}


def _where(kind: RunKind, common: str | None) -> tuple[str, list[Any]] | None:
    """The WHERE clause for one kind (None: no state of this kind shows as `common`)."""
    if common is None:
        return "", []
    native = kind.lifecycle.native(common)
    if not native:
        return None
    return f" WHERE status IN ({', '.join('?' for _ in native)})", list(native)


async def _kind_page(
    conn: Connection, kind: RunKind, common: str | None, rows: int
) -> tuple[list[dict[str, Any]], int]:
    found = _where(kind, common)
    if found is None:
        return [], 0
    clause, params = found
    total = await capped_count(conn, kind.table, clause, params)
    if total == 0 or rows == 0:
        return [], total
    columns = (f"id, status, {kind.parent} AS parent_id, started_at, updated_at, heartbeat_at, created_at, "
               "rowid AS seq")  # fmt: skip
    sql = f"SELECT {columns} FROM {kind.table}{clause} ORDER BY created_at DESC, rowid DESC LIMIT ?"
    page = [dict(r) for r in await conn.fetchall(sql, [*params, rows])]
    for run in page:
        run["kind"] = kind.kind
        run["native_status"] = run["status"]
        run["status"] = kind.lifecycle.common[run["status"]]
        run["last_heartbeat_at"] = run.pop("heartbeat_at")
    return page, total


async def every_run(
    conn: Connection, kind: str | None, common: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    kinds = [BY_KIND[kind]] if kind else list(KINDS)
    pages, total = [], 0
    for k in kinds:
        page, counted = await _kind_page(conn, k, common, offset + limit)
        pages.append(page)
        total += counted
    merged = heapq.merge(*pages, key=lambda r: (r["created_at"], r["seq"]), reverse=True)
    runs = list(merged)[offset : offset + limit]
    for run in runs:
        del run["seq"], run["created_at"]
    return runs, min(total, COUNT_CAP * len(kinds))


class Runs:
    """The read model of every run, for `ts.run.list` and the board's Now page."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def list(
        self, kind: str | None, common: str | None, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        return await self.db.read(lambda conn: every_run(conn, kind, common, limit, offset))
