"""The audit trail: one change record per mutation, written in the mutation's own transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from worktrail.domain.ids import numbered_id
from worktrail.store import audit_creates as creates
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.rows import COUNT_CAP, as_dict, capped_count, filters, page, to_json

JSON_COLUMNS = ("changes",)
# Migration 22: the app a change was made through, beside the person who made it (Origin.via).
VIA_COLUMN = "ALTER TABLE change_record ADD COLUMN via TEXT;"
ID_PREFIX = "chg"

# Migration 31: a change record is numbered by the store in the order records are stored (its
# rowid, kept as they were), and its id is made from that number (`chg_` and 24 hex digits), where
# a random text id and its own index took 28 + 40 bytes a record. Its lists read newest first in
# storing order, so each index holds one column and the rowid, as the task indexes do (migration
# 9): entity_id, actor_id and entity_type without a copy of `at` each. At 1,629,059 records:
# 697.9 -> 450.3 MiB (benchmarks/README.md). PostgreSQL drops the id column (postgresql/schema.py).
CHANGE_RECORD_INDEXES = """
CREATE INDEX change_record_entity ON change_record(entity_id);
CREATE INDEX change_record_actor ON change_record(actor_id);
CREATE INDEX change_record_type ON change_record(entity_type);
CREATE INDEX change_record_at ON change_record(at);
"""
CHANGE_RECORDS_NUMBERED = """
CREATE TABLE change_record_numbered (
    rowid INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id TEXT,
    tool TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    action TEXT NOT NULL,
    changes TEXT NOT NULL,
    version INTEGER,
    via TEXT
);
INSERT INTO change_record_numbered
    SELECT rowid, at, actor_id, tool, entity_type, entity_id, action, changes, version, via
    FROM change_record ORDER BY rowid;
DROP TABLE change_record;
ALTER TABLE change_record_numbered RENAME TO change_record;
""" + CHANGE_RECORD_INDEXES

# Migration 32: `ts.aud.list {action}` reads that kind's records from an index, in storing order.
# At a million tasks, with no index, a kind with few records (cancel, delete) walked every record
# to fill a page, and any kind's capped count read from the oldest record on, a million creates
# before the first update: 180-940 ms. A partial index of the rare kinds alone (0.5 MiB) left the
# count of updates at 180-260 ms; this one costs ~21 MiB at 1,630,111 records (benchmarks/README.md).
ACTION_INDEX = "CREATE INDEX change_record_action ON change_record(action);"


@dataclass(frozen=True)
class Origin:
    """Who writes, through which tool, at what time: the parts of a change record the call knows."""

    actor_id: str | None
    tool: str
    at: str
    # The serving process the write came through (None for `worktrail call`): runs record it.
    instance_id: str | None = None
    # The app the actor acted through (an OAuth grant's client name): "alice via Claude".
    via: str | None = None


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """`{field: [old, new]}` for every field of `after` whose value differs from `before`."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


async def record_created(
    conn: Connection, origin: Origin, entity_type: str, entity_id: str, version: int | None = 1
) -> None:
    """The change record of a new entity: who made it, when, through which tool (`version` None
    for entities that have none). It holds no values: the created row is the record (its values
    at creation are its values now with every later change undone), where a diff from nothing
    would store every field again."""
    await record(conn, origin, entity_type, entity_id, "create", {}, version)


async def record(
    conn: Connection,
    origin: Origin,
    entity_type: str,
    entity_id: str,
    action: str,
    changes: Mapping[str, Any],
    version: int | None = None,
) -> None:
    """Write one change record; `version` is the entity's version the change produced. `changes`
    is `{field: [old, new]}` for an update, `{}` for a create (`record_created`)."""
    row = {**change_row(origin, entity_type, entity_id, action, changes), "version": version}
    await conn.execute(insert_record(conn, list(row)), list(row.values()))


def insert_record(conn: Connection, names: list[str]) -> str:
    """The INSERT of a stored change record with `names` (from code): on SQLite numbered past the
    creates kept on task rows too (audit_creates.py); PostgreSQL's sequence does that by itself."""
    marks = ", ".join("?" for _ in names)
    if conn.backend == "postgresql":
        return f"INSERT INTO change_record ({', '.join(names)}) VALUES ({marks})"
    return f"INSERT INTO change_record (rowid, {', '.join(names)}) VALUES ({creates.NEXT_NUMBER}, {marks})"


def change_row(
    origin: Origin, entity_type: str, entity_id: str, action: str, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """A change record's row but its `version`: for `update_if_status(noted=...)`, which writes it
    with the version the update makes, in the update's own statement where the store can."""
    return {
        "at": origin.at,
        "actor_id": origin.actor_id,
        "tool": origin.tool,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "action": action,
        "changes": to_json(changes),
        "via": origin.via,
    }


def noted_change(
    origin: Origin, entity_type: str, entity_id: str, action: str, changes: Mapping[str, Any]
) -> tuple[str, dict[str, Any]]:
    """The change record of an update, as `update_if_status(noted=...)` takes it."""
    return "change_record", change_row(origin, entity_type, entity_id, action, changes)


class AuditTrail:
    """The change records, as `ts.aud.list` reads them."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def list(
        self,
        *,
        entity_id: str | None,
        actor_id: str | None,
        entity_type: str | None,
        action: str | None,
        since: str | None,
        keys_of: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[dict[str, Any]], int]:
        """Records that match, oldest first for one entity (its history), newest first otherwise,
        in the order they were stored (the order they committed in; by `at` with `since`).

        `keys_of` limits the records of credentials (API keys, OAuth grants) to those of that
        resource (None: everyone's).
        """
        equal = {"entity_id": entity_id, "actor_id": actor_id, "entity_type": entity_type, "action": action}
        where, params = filters(equal)
        if keys_of is not None:
            where.append("(entity_type != 'api_key' OR entity_id IN (SELECT id FROM api_key WHERE resource_id = ?))")
            where.append("(entity_type != 'oauth_grant' OR entity_id IN (SELECT id FROM oauth_grant WHERE resource_id = ?))")
            params += [keys_of, keys_of]
        # In storing order, read from a one-column index; `since` reads the records of `at` onwards
        # from the `at` index, in its order (the same but between writes that raced).
        order = ("at {0}, rowid {0}" if since else "rowid {0}").format("ASC" if entity_id else "DESC")

        async def run(conn: Connection) -> tuple[list[dict[str, Any]], int]:
            terms, values = list(where), list(params)
            if since:
                if entity_id is None and (actor_id or entity_type or action) and not await _few(conn, where, params):
                    # Many records of that actor, type or action: walk `at` onwards, where their own index would
                    # read them from the first (~600,000 at a million tasks) to reach `since`.
                    terms = [_NOT_BY_INDEX.get(term, term) for term in terms]
                terms.append("at >= ?")
                values.append(since)
            if not creates.applies(entity_type, action):
                return await page(conn, "change_record", terms, values, limit, offset, JSON_COLUMNS,
                                  select="rowid AS number, *", order=order)  # fmt: skip
            return await _with_creates(conn, terms, values, entity_id, actor_id, since, limit, offset)

        found, total = await self.db.read(run)
        return [with_id(row) for row in found], total


async def _with_creates(conn: Connection, terms: list[str], values: list[Any], entity_id: str | None,
                        actor_id: str | None, since: str | None, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    """The stored records that match and the tasks' creates that match (audit_creates.py), merged
    in the trail's order: the first `limit + offset` of each read in its own order, from its index."""
    many = bool(since and entity_id is None and actor_id and not await _few_creates(conn, actor_id))
    created, created_values = creates.terms(entity_id, actor_id, since, many)
    stored_clause = f" WHERE {' AND '.join(terms)}" if terms else ""
    # The creates are counted only up to the cap the stored records leave: each is a task row read.
    total = await capped_count(conn, "change_record", stored_clause, values)
    if total < COUNT_CAP:
        total += await creates.count(conn, created, created_values, COUNT_CAP - total)
    if offset > creates.DEEPEST and total < COUNT_CAP:  # past the last, and deeper than a merge reads
        return [], total
    page = await creates.merged_page(conn, (stored_clause, values), (f" WHERE {' AND '.join(created)}", created_values),
                                     bool(since), entity_id is not None, limit, offset)  # fmt: skip
    rows = [{key: row[key] for key in row.keys() if key != "task_rowid"} for row in page]
    return [as_dict(row, JSON_COLUMNS) for row in rows], total  # type: ignore[misc,arg-type]


async def _few_creates(conn: Connection, actor_id: str) -> bool:
    return await creates.count(conn, ["created_number IS NOT NULL", "creator_id = ?"], [actor_id], FEW + 1) <= FEW


# A term the planner cannot read from an index, the same on both stores.
_NOT_BY_INDEX = {"actor_id = ?": "actor_id || '' = ?", "entity_type = ?": "entity_type || '' = ?",
                 "action = ?": "action || '' = ?"}  # fmt: skip
# A filter of at most this many records is read from its own index, `since` or not.
FEW = 1_000


async def _few(conn: Connection, where: list[str], params: list[Any]) -> bool:
    counted = f"SELECT COUNT(*) FROM (SELECT 1 FROM change_record WHERE {' AND '.join(where)} LIMIT {FEW + 1}) AS few"
    return int((await conn.fetchone(counted, params))[0]) <= FEW


def with_id(row: dict[str, Any]) -> dict[str, Any]:
    """A change record as it is read out: its id made from its number (`number`, read as such)."""
    number = row.pop("number")
    return {"id": numbered_id(ID_PREFIX, number), **row}
