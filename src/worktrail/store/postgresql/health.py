"""`worktrail check` on PostgreSQL: the schema version, and whether every task's search entry is
the one its trigger would write now. The server keeps its own pages sound (data checksums, and
`pg_amcheck` for its administrator); worktrail does not read them page by page."""

from __future__ import annotations

from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.health import REBUILD_HINT, Health
from worktrail.store.postgresql.search import SEARCH_OF_TASK

_OUT_OF_STEP = f"""
SELECT COUNT(*) FROM task t FULL JOIN task_text x ON x.rowid = t.rowid
WHERE t.rowid IS NULL OR x.rowid IS NULL OR x.search IS DISTINCT FROM {SEARCH_OF_TASK.format(task="t")}
"""
_REBUILD = f"""
DELETE FROM task_text;
INSERT INTO task_text (rowid, search) SELECT rowid, {SEARCH_OF_TASK.format(task="task")} FROM task
"""
NOTE = "PostgreSQL keeps its own pages sound; to check them too, its administrator runs pg_amcheck"


async def _check(conn: Connection) -> Health:
    version = int((await conn.fetchone("SELECT version FROM worktrail_schema"))[0])
    astray = int((await conn.fetchone(_OUT_OF_STEP))[0])
    return Health(version, [REBUILD_HINT] if astray else [], [NOTE])


async def health(db: Database) -> Health:
    return await db.read(_check, patient=True)


async def rebuild_search_index(db: Database) -> None:
    async def rebuild(conn: Connection) -> None:
        for statement in _REBUILD.split(";"):
            await conn.execute(statement)

    await db.write(rebuild, patient=True)
