"""The ledger's data out, kind by kind, in batches read in storing order: constant memory at any
size, each batch its own short read (a writer is never held up by an export)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from worktrail.domain.ids import numbered_id
from worktrail.store import audit
from worktrail.store import audit_creates as creates
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.endeavours import endeavours
from worktrail.store.executions import executions
from worktrail.store.missions import events, lookup, missions
from worktrail.store.relations import relations
from worktrail.store.resources import resources
from worktrail.store.rituals import rituals
from worktrail.store.rituals import runs as ritual_runs
from worktrail.store.rows import as_dict
from worktrail.store.tasks import tasks
from worktrail.store.workflows import runs as workflow_runs
from worktrail.store.workflows import workflows

BATCH = 1000


@dataclass(frozen=True)
class Kind:
    """One kind of row to export: its table, which columns hold JSON, which column `since` reads
    (when it last changed, or when it was made), what is never exported, and the prefix of the
    id made from the rowid where the store keeps no text id (change records)."""

    name: str
    table: str
    json_columns: tuple[str, ...]
    since_column: str = "updated_at"
    never: tuple[str, ...] = ()
    numbered: str | None = None


# Secrets are never exported, keys only as their public fields, attachments without their bytes.
KINDS = (
    Kind("resources", "resource", resources.JSON_COLUMNS, never=("name_key",)),  # derived from the name
    Kind("keys", "api_key", (), "created_at", ("key_hash",)),
    Kind("endeavours", "endeavour", endeavours.JSON_COLUMNS),
    # open_dependencies: derived from the relations; created_*: the create record's, exported as one (audit)
    Kind("tasks", "task", tasks.JSON_COLUMNS, never=("open_dependencies", "created_number", "created_tool", "created_via")),
    Kind("relations", "relation", relations.JSON_COLUMNS, "created_at"),
    Kind("rituals", "ritual", rituals.JSON_COLUMNS),
    Kind("ritual_runs", "ritual_run", ritual_runs.JSON_COLUMNS),
    Kind("missions", "mission", missions.JSON_COLUMNS),
    Kind("mission_runs", "mission_run", lookup.RUN_JSON),
    Kind("plan_steps", "plan_step", lookup.STEP_JSON),
    Kind("mission_events", "mission_event", events.JSON_COLUMNS, "created_at"),
    Kind("workflows", "workflow", workflows.JSON_COLUMNS),
    Kind("workflow_runs", "workflow_run", workflow_runs.JSON_COLUMNS),
    Kind("attachments", "attachment", (), "created_at", ("content",)),
    Kind("executions", "execution", executions.JSON_COLUMNS),
    Kind("audit", "change_record", audit.JSON_COLUMNS, "at", numbered=audit.ID_PREFIX),
)
BY_NAME = {kind.name: kind for kind in KINDS}


async def _batch(conn: Connection, kind: Kind, after: int, since: str | None) -> list[dict[str, Any]]:
    where, params = "rowid > ?", [after]
    if since is not None:
        where += f" AND {kind.since_column} >= ?"
        params.append(since)
    sql = f"SELECT rowid AS _rowid, * FROM {kind.table} WHERE {where} ORDER BY rowid LIMIT {BATCH}"
    rows = [as_dict(found, kind.json_columns) for found in (await conn.fetchall(sql, params))]
    if kind.numbered is not None:
        rows = [{"id": numbered_id(kind.numbered, row["_rowid"]), **row} for row in rows if row is not None]
    return [{k: v for k, v in row.items() if k not in kind.never} for row in rows if row is not None]


async def _trail(db: Database, since: str | None) -> AsyncIterator[list[dict[str, Any]]]:
    """The whole trail in storing order, the creates kept on task rows in their places."""
    after = (0, 0)
    while True:
        found, after = await db.read(lambda conn, after=after: creates.export_batch(conn, after, since, BATCH))
        if not found:
            return
        rows = [as_dict(row, audit.JSON_COLUMNS) for row in found]
        yield [audit.with_id(row) for row in rows if row is not None]


class Export:
    """Reads for `worktrail export`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def count(self, kind: Kind, since: str | None) -> int:
        if kind.name == "audit":  # the stored records and the creates kept on task rows
            return await self.db.read(lambda conn: creates.export_count(conn, since))
        where, params = ("", []) if since is None else (f" WHERE {kind.since_column} >= ?", [since])

        async def count(conn: Connection) -> int:
            return int((await conn.fetchone(f"SELECT COUNT(*) FROM {kind.table}{where}", params))[0])

        return await self.db.read(count)

    async def rows(self, kind: Kind, since: str | None) -> AsyncIterator[list[dict[str, Any]]]:
        """The kind's rows in storing order, a batch at a time (without their rowid)."""
        if kind.name == "audit":
            async for batch in _trail(self.db, since):
                yield batch
            return
        after = 0
        while True:
            batch = await self.db.read(lambda conn, after=after: _batch(conn, kind, after, since))
            if not batch:
                return
            after = batch[-1]["_rowid"]
            for row in batch:
                del row["_rowid"]
            yield batch
