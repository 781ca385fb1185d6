"""Relations (Taskschmiede's `ts.rel`): typed edges between entities, each made and deleted with
its change record; for now a task's dependencies on other tasks (dependencies.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from worktrail.domain.actor import Actor
from worktrail.domain.deletions import RELATION
from worktrail.domain.errors import ToolError, not_found
from worktrail.domain.ids import new_id
from worktrail.domain.relations.kinds import check_kind, cycle, duplicate
from worktrail.store.audit import Origin, record, record_created
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.deletions import check
from worktrail.store.relations import dependencies
from worktrail.store.rows import encoded, fetch, filters, insert, page

JSON_COLUMNS = ("metadata",)
ENDS = ("relationship_type", "source_entity_type", "source_entity_id", "target_entity_type", "target_entity_id")


async def _task_status(conn: Connection, field: str, task_id: str) -> str:
    """The status of the task an end names, or `not_found` naming the field."""
    row = await conn.fetchone("SELECT status FROM task WHERE id = ?", (task_id,))
    if row is None:
        error = not_found("task", task_id)
        raise ToolError("not_found", f"{field}: {error.message}", {"field": field, "id": task_id})
    return str(row[0])


async def create(conn: Connection, origin: Origin, values: Mapping[str, Any]) -> dict[str, Any]:
    """Check and insert one relation with its change record, in the caller's transaction."""
    check_kind(values["relationship_type"], values["source_entity_type"], values["target_entity_type"])
    source, target = values["source_entity_id"], values["target_entity_id"]
    await _task_status(conn, "source_entity_id", source)
    target_status = await _task_status(conn, "target_entity_id", target)
    where, params = filters({name: values[name] for name in ENDS})
    found = await conn.fetchone(f"SELECT id FROM relation WHERE {' AND '.join(where)}", params)
    if found is not None:
        raise duplicate(found[0])
    path = await dependencies.closing_path(conn, source, target)
    if path is not None:
        raise cycle(path)
    row = {"id": new_id("rel"), **{name: values[name] for name in ENDS}, "metadata": values.get("metadata") or {},
           "created_by": origin.actor_id, "created_at": origin.at}  # fmt: skip
    await insert(conn, "relation", encoded(row, JSON_COLUMNS))
    if target_status != "done":
        await dependencies.count_open(conn, [source], 1)
    await record_created(conn, origin, "relation", row["id"], None)
    return row


async def delete(conn: Connection, origin: Origin, actor: Actor, relation_id: str) -> dict[str, Any]:
    """Remove one relation with its change record (what it joined), in the caller's transaction:
    by an owner, an admin or its creator, as every delete (domain/deletions.py)."""
    row = await fetch(conn, "relation", relation_id, JSON_COLUMNS)
    if row is None:
        raise not_found("relation", relation_id)
    await check(conn, actor, RELATION, row)
    await conn.execute("DELETE FROM relation WHERE id = ?", (relation_id,))
    target = await conn.fetchone("SELECT status FROM task WHERE id = ?", (row["target_entity_id"],))
    if target is not None and target[0] != "done":
        await dependencies.count_open(conn, [row["source_entity_id"]], -1)
    await record(conn, origin, "relation", relation_id, "delete", {name: [row[name], None] for name in ENDS})
    return {"id": relation_id, "deleted": True}


class Relations:
    """The relation repository."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, origin: Origin, values: Mapping[str, Any]) -> dict[str, Any]:
        return await self.db.write(lambda conn: create(conn, origin, values))

    async def delete(self, origin: Origin, actor: Actor, relation_id: str) -> dict[str, Any]:
        return await self.db.write(lambda conn: delete(conn, origin, actor, relation_id))

    async def list(self, equal: Mapping[str, Any], limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        """Relations that match every given end, newest first (Taskschmiede's order): in the order
        stored, which is the order of creation and the order of each end's index (schema.py)."""
        where, params = filters({name: equal.get(name) for name in ENDS})
        return await self.db.read(
            lambda conn: page(conn, "relation", where, params, limit, offset, JSON_COLUMNS, order="rowid DESC")
        )
