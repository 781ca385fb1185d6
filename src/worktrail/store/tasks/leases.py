"""Leases that ran out, for the stale-run sweep (store/recovery.py): each such task goes back to
`planned`, unassigned, its lease ended (the TASK lifecycle empties it on leaving active), with a
change record that says whose lease it was and until when. Until the sweep comes, the holder
still holds it (a claimant that died too)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from worktrail.domain.clock import format_ts
from worktrail.domain.errors import ToolError
from worktrail.domain.lifecycles import TASK
from worktrail.store.audit import Origin
from worktrail.store.connection import Connection
from worktrail.store.moves import apply_update
from worktrail.store.rows import as_dict
from worktrail.store.tasks.columns import JSON_COLUMNS

KIND = "task"


async def _expired(conn: Connection, now: datetime) -> list[dict[str, Any]]:
    """The leased tasks whose lease ran out by `now`, the longest expired first (task_lease_expiry).
    A lease runs through the second its expiry names: times are kept to the second, and a lease
    taken at 10:00:00.9 for 5s expires "10:00:05", so it is held at least its length, never 4.1 s."""
    rows = await conn.fetchall("SELECT * FROM task WHERE lease_expires_at IS NOT NULL AND lease_expires_at < ? "
                               "ORDER BY lease_expires_at", [format_ts(now)])  # fmt: skip
    return [as_dict(row, JSON_COLUMNS) for row in rows]  # type: ignore[misc]


def _reason(task: dict[str, Any]) -> str:
    return f"lease expired: held by {task['lease_holder_id']} until {task['lease_expires_at']}"


def _change(task: dict[str, Any]) -> dict[str, Any]:
    return {"kind": KIND, "id": task["id"], "from": task["status"], "to": "planned", "reason": _reason(task)}


async def stale(conn: Connection, now: datetime) -> list[dict[str, Any]]:
    """What a sweep would do to leases now, and why (changes nothing)."""
    return [_change(task) for task in await _expired(conn, now)]


async def sweep(conn: Connection, origin: Origin, now: datetime) -> list[dict[str, Any]]:
    """Put back every task whose lease ran out, in the sweep's transaction; answer what moved."""
    changed = []
    for task in await _expired(conn, now):
        try:
            await apply_update(conn, origin, "task", TASK, task, {"status": "planned", "assignee_id": None},
                               JSON_COLUMNS, action="sweep", noted={"reason": [None, _reason(task)]})  # fmt: skip
        except ToolError:  # moved by someone else in the meantime: theirs stands
            continue
        changed.append(_change(task))
    return changed
