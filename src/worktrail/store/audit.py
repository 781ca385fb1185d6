"""The audit trail: one change record per mutation, written in the mutation's own transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from worktrail.domain.ids import new_id
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.rows import filters, insert, page, to_json

JSON_COLUMNS = ("changes",)
# Migration 22: the app a change was made through, beside the person who made it (Origin.via).
VIA_COLUMN = "ALTER TABLE change_record ADD COLUMN via TEXT;"


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
    await insert(conn, "change_record", {**change_row(origin, entity_type, entity_id, action, changes), "version": version})


def change_row(
    origin: Origin, entity_type: str, entity_id: str, action: str, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """A change record's row but its `version`: for `update_if_status(noted=...)`, which writes it
    with the version the update makes, in the update's own statement where the store can."""
    return {
        "id": new_id("chg"),
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
        """Records that match, oldest first for one entity (its history), newest first otherwise.

        `keys_of` limits the records of credentials (API keys, OAuth grants) to those of that
        resource (None: everyone's).
        """
        where, params = filters(
            {"entity_id": entity_id, "actor_id": actor_id, "entity_type": entity_type, "action": action}
        )
        if since:
            where.append("at >= ?")
            params.append(since)
        if keys_of is not None:
            where.append("(entity_type != 'api_key' OR entity_id IN (SELECT id FROM api_key WHERE resource_id = ?))")
            where.append("(entity_type != 'oauth_grant' OR entity_id IN (SELECT id FROM oauth_grant WHERE resource_id = ?))")
            params += [keys_of, keys_of]
        order = "at ASC, rowid ASC" if entity_id else "at DESC, rowid DESC"
        return await self.db.read(
            lambda conn: page(conn, "change_record", where, params, limit, offset, JSON_COLUMNS, order=order)
        )
