"""What the board's pages read beside the tools' answers, in one query per page: the names of the
resources and endeavours a page mentions (a card's assignee and endeavour), the endeavours and
people a form or filter offers, and the task counts of the endeavours a list shows. Every role may read both through the tools (`ts.res.get`,
`ts.edv.get`); here a page reads them for all its rows at once instead of one call per row."""

from __future__ import annotations

from collections.abc import Iterable

from worktrail.domain.lifecycles import TASK_STATUSES
from worktrail.store.connection import Connection
from worktrail.store.database import Database

# A page shows at most a few hundred rows: more ids than this are not one page's.
MOST = 1000


class BoardNames:
    """Names and counts for a page, each in one read."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def names(self, ids: Iterable[str | None]) -> dict[str, str]:
        """The name of each resource or endeavour among `ids` that exists (ids it does not know are left out)."""
        wanted = sorted({i for i in ids if i})[:MOST]
        if not wanted:
            return {}
        marks = ", ".join("?" for _ in wanted)
        sql = (f"SELECT id, name FROM resource WHERE id IN ({marks}) "
               f"UNION ALL SELECT id, name FROM endeavour WHERE id IN ({marks})")  # fmt: skip

        async def run(conn: Connection) -> dict[str, str]:
            return {row[0]: row[1] for row in await conn.fetchall(sql, [*wanted, *wanted])}

        return await self.db.read(run)

    async def choices(self, limit: int, *, every: bool = False) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """What a form or a filter offers to choose from, as (id, name): the newest endeavours, and
        the resources by name; a form's only those a task may be given (`every`, for a filter: the
        archived endeavours and inactive resources too)."""
        endeavours = ("SELECT id, name FROM endeavour" + ("" if every else " WHERE status != 'archived'")
                      + " ORDER BY created_at DESC, rowid DESC LIMIT ?")  # fmt: skip
        people = ("SELECT id, name FROM resource" + ("" if every else " WHERE status = 'active'")
                  + " ORDER BY name, id LIMIT ?")  # fmt: skip

        async def run(conn: Connection) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
            return ([(r[0], r[1]) for r in await conn.fetchall(endeavours, [limit])],
                    [(r[0], r[1]) for r in await conn.fetchall(people, [limit])])  # fmt: skip

        return await self.db.read(run)

    async def task_counts(self, endeavour_ids: Iterable[str]) -> dict[str, dict[str, int]]:
        """Each endeavour's tasks by status (every status present, 0 where none)."""
        wanted = sorted(set(endeavour_ids))[:MOST]
        counts = {i: dict.fromkeys(TASK_STATUSES, 0) for i in wanted}
        if not wanted:
            return counts
        sql = (f"SELECT endeavour_id, status, COUNT(*) FROM task WHERE endeavour_id IN "
               f"({', '.join('?' for _ in wanted)}) GROUP BY endeavour_id, status")  # fmt: skip

        async def run(conn: Connection) -> list[tuple[str, str, int]]:
            return list(await conn.fetchall(sql, wanted))

        for endeavour_id, status, n in await self.db.read(run):
            counts[endeavour_id][status] = int(n)
        return counts
