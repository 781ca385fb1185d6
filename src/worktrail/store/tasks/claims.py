"""ts.tsk.claim in the store: the caller takes the ready task created earliest (ties by id), or
the one it names, in one write transaction: assigned to it, moved to `active` along the TASK
lifecycle as ts.tsk.update moves it (its stamp, change record and open-dependency counts), and
leased to it (domain/leases.py).

Claims never race: every write holds the ledger's one write lock, on both stores (SQLite's
`BEGIN IMMEDIATE`; PostgreSQL's advisory lock: postgresql/database.py), so the pick below reads
every claim committed before it, and its update is a compare-and-set on the status it read
besides. Two claimers never get one task, and a claimer gets nothing only when, at its turn,
nothing was ready: no row is skipped for being locked by another claimer that may roll back (as
`FOR UPDATE SKIP LOCKED` would), because no claimer holds a row while another picks."""

from __future__ import annotations

from typing import Any

from worktrail.domain import leases
from worktrail.domain.actor import Actor
from worktrail.domain.errors import ToolError, invalid_field
from worktrail.store.audit import Origin
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.endeavours import endeavours
from worktrail.store.relations import dependencies
from worktrail.store.tasks import tasks


async def earliest_ready(conn: Connection, endeavour_id: str | None) -> str | None:
    """The id of the ready task created earliest (ties by id), within `endeavour_id` if given."""
    within, params = (" AND endeavour_id = ?", [endeavour_id]) if endeavour_id else ("", [])
    # Read in order from the index of ready tasks; SQLite's planner would take task_ready and sort
    # every ready task (~0.6-1.2 s at 1,000,000 tasks; from task_claimable ~0.01 ms).
    index = conn.indexed_by("task_claimable_endeavour" if endeavour_id else "task_claimable")
    row = await conn.fetchone(f"SELECT id FROM task{index} WHERE {tasks.READY}{within} ORDER BY created_at, id LIMIT 1",
                              params)  # fmt: skip
    return None if row is None else str(row[0])


async def _check_claimable(conn: Connection, task: dict[str, Any]) -> None:
    """`conflict` naming why a named task cannot be claimed: its holder, its status, or what it waits for."""
    if task["lease_holder_id"] is not None:
        raise ToolError(
            "conflict",
            f"Task {task['id']} is held by {task['lease_holder_id']} until {task['lease_expires_at']}; "
            "claim another (ts.tsk.claim without id takes the next ready one).",
            {"reason": "held", "id": task["id"], "lease_holder_id": task["lease_holder_id"],
             "lease_expires_at": task["lease_expires_at"]},
        )  # fmt: skip
    if task["status"] != "planned":
        raise ToolError(
            "conflict",
            f"Task {task['id']} is {task['status']}: only a planned task whose dependencies are done can be claimed.",
            {"reason": "not_ready", "id": task["id"], "status": task["status"]},
        )
    blocked_by = await dependencies.blocked_by(conn, task["id"])
    if blocked_by:
        raise ToolError(
            "conflict",
            f"Task {task['id']} waits for {', '.join(blocked_by)} (not done yet): claim it once they are done.",
            {"reason": "blocked", "id": task["id"], "blocked_by": blocked_by},
        )


async def _renew(conn: Connection, task: dict[str, Any], at: str, seconds: int | None) -> None:
    """The holder's claim of its own task: the lease runs again from now, for `seconds` (else as
    long as before). Activity, not a change of the task: no version, no change record."""
    length = seconds or int(task["lease_seconds"])
    await conn.execute("UPDATE task SET lease_expires_at = ?, lease_seconds = ? WHERE id = ? AND lease_holder_id = ?",
                       (leases.expiry(at, length), length, task["id"], task["lease_holder_id"]))  # fmt: skip


async def claim(
    conn: Connection, origin: Origin, actor: Actor, task_id: str | None, endeavour_id: str | None, seconds: int | None
) -> dict[str, Any] | None:
    """Claim in the caller's transaction; answer the task as ts.tsk.get shows it, or None when
    nothing is ready. `seconds`: the lease's length (None: the default, or a renewal's length)."""
    if endeavour_id:
        await endeavours.require(conn, endeavour_id)
    if task_id is None:
        task_id = await earliest_ready(conn, endeavour_id)
        if task_id is None:
            return None
    else:
        task = await tasks.require(conn, task_id)
        if endeavour_id and task["endeavour_id"] != endeavour_id:
            raise invalid_field("endeavour_id", f"task {task_id} is not in endeavour {endeavour_id}",
                                "Leave endeavour_id out to claim a task by its id.")  # fmt: skip
        if task["lease_holder_id"] == actor.resource_id:
            await _renew(conn, task, origin.at, seconds)
            return await tasks.shown(conn, task_id)
        await _check_claimable(conn, task)
    length = seconds or leases.lease_seconds(leases.DEFAULT)
    taken = {"status": "active", "assignee_id": actor.resource_id, **leases.taken(actor.resource_id, origin.at, length)}
    await tasks.update(conn, origin, actor, task_id, taken)
    return await tasks.shown(conn, task_id)


class Claims:
    """The claims of tasks, each in one write transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(
        self, origin: Origin, actor: Actor, task_id: str | None, endeavour_id: str | None, seconds: int | None
    ) -> dict[str, Any] | None:
        return await self.db.write(lambda conn: claim(conn, origin, actor, task_id, endeavour_id, seconds))
