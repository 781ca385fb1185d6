"""The Now page's counts by status, in one statement: the tasks by status, and each kind of run
by the status all runs share. Each count is capped as a list's total is (COUNT_CAP) and read from
the table's status index; one statement, not a list call per count (28 calls, 56 statements,
were most of the page's time on PostgreSQL at a million tasks). Every role may read the same
counts through `ts.tsk.list` and `ts.run.list`."""

from __future__ import annotations

from typing import Any

from worktrail.domain.lifecycles import TASK_STATUSES
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.rows import COUNT_CAP
from worktrail.store.runs import KINDS


def _counted(table: str, states: tuple[str, ...]) -> str:
    marks = ", ".join("?" for _ in states)
    return f"(SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE status IN ({marks}) LIMIT {COUNT_CAP}) AS counted)"


def _cells() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(family, status shown, table, its states counted) of every count, in the page's order."""
    cells = [("task", status, "task", (status,)) for status in TASK_STATUSES]
    for kind in KINDS:
        for common in dict.fromkeys(kind.lifecycle.common.values()):
            cells.append((kind.kind, common, kind.table, kind.lifecycle.native(common)))
    return cells


CELLS = _cells()
SQL = "SELECT " + ", ".join(_counted(table, states) for _, _, table, states in CELLS)
PARAMS = [state for *_, states in CELLS for state in states]


class BoardCounts:
    """What Now shows by status, in one read."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def by_status(self) -> dict[str, dict[str, int]]:
        """{family: {status: count}}: tasks by their status, runs of each kind by the shared one."""

        async def run(conn: Connection) -> Any:
            return await conn.fetchone(SQL, PARAMS)

        row = await self.db.read(run)
        counts: dict[str, dict[str, int]] = {}
        for (family, status, _, _), n in zip(CELLS, row, strict=True):
            counts.setdefault(family, {})[status] = int(n)
        return counts
