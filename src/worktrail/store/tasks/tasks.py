"""Tasks: seed 001's entity, moved through the TASK lifecycle."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from worktrail.domain import leases
from worktrail.domain.actor import Actor
from worktrail.domain.errors import ToolError
from worktrail.domain.ids import new_id
from worktrail.domain.lifecycle import transition
from worktrail.domain.lifecycles import TASK
from worktrail.domain.permissions import check_may_cancel_task
from worktrail.domain.tasks import check_reason_fits, cleared, fill_actual_hours
from worktrail.store import audit_creates as creates
from worktrail.store.audit import Origin, diff, noted_change
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.endeavours import endeavours
from worktrail.store.relations import dependencies
from worktrail.store.resources import resources
from worktrail.store.rows import encoded, filters, page, require_row, update_if_status
from worktrail.store.tasks.columns import JSON_COLUMNS

# Ready: planned and every task it depends on done, written as the partial indexes' conditions
# are (task_ready: relations/schema.py; task_claimable: schema_leases.py), which a query must
# say as written; and not frozen in an archived endeavour (whose tasks can no longer be changed,
# so no claim could take one). The last is asked only of a ledger that has an archived endeavour
# (`ready`): it reads each task's row, where the rest is answered by the index alone.
UNBLOCKED = "status = 'planned' AND open_dependencies = 0"
NOT_FROZEN = "NOT EXISTS (SELECT 1 FROM endeavour e WHERE e.id = task.endeavour_id AND e.status = 'archived')"
READY = f"{UNBLOCKED} AND {NOT_FROZEN}"


async def ready_condition(conn: Connection) -> str:
    """The condition of a ready task, as this ledger needs it said."""
    archived = await conn.fetchone("SELECT 1 FROM endeavour WHERE status = 'archived' LIMIT 1")
    return READY if archived else UNBLOCKED


async def require(conn: Connection, task_id: str) -> dict[str, Any]:
    """One task row, or `not_found`."""
    return await require_row(conn, "task", task_id, "task", JSON_COLUMNS)


async def shown(conn: Connection, task_id: str) -> dict[str, Any]:
    """One task as ts.tsk.get shows it, with `blocked_by`: the tasks it depends on that are not done."""
    return {**await require(conn, task_id), "blocked_by": await dependencies.blocked_by(conn, task_id)}


async def _check_references(conn: Connection, values: Mapping[str, Any]) -> dict[str, Any] | None:
    """`not_found` for an unknown endeavour or assignee; returns the target endeavour, if any."""
    target = await endeavours.require(conn, values["endeavour_id"]) if values.get("endeavour_id") else None
    if values.get("assignee_id"):
        await resources.require(conn, values["assignee_id"])
    return target


async def _check_not_archived(conn: Connection, task: Mapping[str, Any], target: Mapping[str, Any] | None) -> None:
    if task["endeavour_id"]:
        home = await endeavours.require(conn, task["endeavour_id"])
        if home["status"] == "archived":
            raise ToolError(
                "invalid_input",
                f"Task {task['id']} belongs to archived endeavour {home['id']}; its tasks can no longer be changed.",
                {"endeavour_id": home["id"], "endeavour_status": "archived"},
            )
    if target is not None:
        endeavours.check_open(target, "endeavour_id")


async def create(conn: Connection, origin: Origin, values: Mapping[str, Any]) -> str:
    """Insert a new task with its change record, in the caller's transaction; answer its id."""
    if values.get("endeavour_id"):
        await endeavours.require_open(conn, values["endeavour_id"], "endeavour_id")
    if values.get("assignee_id"):
        await resources.require(conn, values["assignee_id"])
    row = {
        "id": new_id("tsk"),
        "description": "",
        "metadata": {},
        **cleared(values),
        "status": TASK.initial,
        "creator_id": origin.actor_id,
        "created_at": origin.at,
        "updated_at": origin.at,
    }
    # Its create record is kept on the row, with the next change record number (audit_creates.py).
    kept, number = creates.created_columns(conn, origin.tool, origin.via)
    values = encoded({**row, **kept}, JSON_COLUMNS)
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    await conn.execute(f"INSERT INTO task ({names}, created_number) VALUES ({marks}, {number})", list(values.values()))
    return str(row["id"])


async def update(conn: Connection, origin: Origin, actor: Actor, task_id: str, changes: Mapping[str, Any]) -> int:
    """Apply a partial update in the caller's transaction, in the order the contract gives:
    existence, entity permission, state guards, then the transition as a compare-and-set."""
    task = await require(conn, task_id)
    target = await _check_references(conn, changes)
    if changes.get("status") == "canceled":
        check_may_cancel_task(actor, task)
    await _check_not_archived(conn, task, target)
    check_reason_fits(task["status"], changes)
    values = cleared(changes)
    if "status" in values:
        values.update(transition(TASK, task["status"], values["status"], task, origin.at))
        fill_actual_hours(task, values, origin.at)
    values.update(leases.after_write(task, origin.actor_id, values, origin.at))  # renewed by its holder
    values["updated_at"] = origin.at
    if "status" in values:  # the tasks that wait for this one, in this transaction (relations/schema.py)
        await dependencies.status_moved(conn, task_id, task["status"], values["status"])
    action = "cancel" if values.get("status") == "canceled" else "update"
    change = noted_change(origin, "task", task_id, action, diff(task, values))
    return await update_if_status(conn, "task", task_id, encoded(values, JSON_COLUMNS), task["status"], change)


class Tasks:
    """The task repository."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, origin: Origin, values: Mapping[str, Any]) -> dict[str, Any]:
        async def run(conn: Connection) -> dict[str, Any]:
            return await require(conn, await create(conn, origin, values))

        return await self.db.write(run)

    async def get(self, task_id: str) -> dict[str, Any]:
        """One task, with `blocked_by`: the tasks it depends on that are not done."""
        return await self.db.read(lambda conn: shown(conn, task_id))

    async def list(
        self,
        *,
        statuses: Sequence[str] | None,
        endeavour_id: str | None,
        assignee_id: str | None,
        search: str | None,
        ready: bool = False,
        limit: int,
        offset: int,
    ) -> tuple[list[dict[str, Any]], int]:
        where, params = filters({"endeavour_id": endeavour_id, "assignee_id": assignee_id})
        if statuses:
            where.append(f"status IN ({', '.join('?' for _ in statuses)})")
            params += list(statuses)

        async def run(conn: Connection) -> tuple[list[dict[str, Any]], int]:
            terms, values = list(where) + ([await ready_condition(conn)] if ready else []), list(params)
            if search:
                match = await conn.task_match(search)
                if match is None:  # nothing but punctuation: look for it as it is
                    more, more_values = filters({}, ("title", "description"), search)
                    terms, values = terms + more, values + more_values
                elif (paged := await conn.task_page(match, terms, values, limit, offset, JSON_COLUMNS)) is not None:
                    return paged  # read the store's own way (SQLite: from the index's side)
                else:  # the full-text index, each store's own (sqlite/search.py, postgresql/search.py)
                    terms.append(f"rowid IN (SELECT rowid FROM task_text WHERE {match[0]})")
                    values.append(match[1])
            # Newest first in the order they were stored (rowid), the order of creation: every index
            # of task, the full-text one included, hands out its matches in that order (migration 9).
            return await page(conn, "task", terms, values, limit, offset, JSON_COLUMNS, order="rowid DESC")

        # A search's plans are made for its words (PostgreSQL: postgresql/search.py).
        return await self.db.read(run, planned_for_values=bool(search))

    async def update(self, origin: Origin, actor: Actor, task_id: str, changes: Mapping[str, Any]) -> int:
        """Apply a partial update in one transaction (see `update`); answer the new version."""
        # Read first (postgresql/read_first.py): `update` begins with the task and ends with its compare-and-set.
        return await self.db.write(lambda conn: update(conn, origin, actor, task_id, changes), read_first=True)
