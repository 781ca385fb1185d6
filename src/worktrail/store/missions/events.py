"""A run's events: its story, ordered by insertion (a per-ledger sequence), never by time alone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from worktrail.domain.errors import ToolError, invalid_field, not_found
from worktrail.domain.ids import new_uuid
from worktrail.store.audit import Origin, record_created
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.missions.lookup import require_run, require_step
from worktrail.store.rows import as_dict, capped_count, encoded, filters, insert

JSON_COLUMNS = ("payload",)
# What an event answers with (the sequence orders it; it is not shown).
_COLUMNS = "id, mission_id, run_id, type, summary, payload, step_id, agent_id, timestamp"

RECENT = 20


async def append(
    conn: Connection,
    run: Mapping[str, Any],
    at: str,
    type: str,
    summary: str,
    payload: Mapping[str, Any] | None = None,
    step_id: str | None = None,
    agent_id: str | None = None,
) -> dict[str, Any]:
    """Add one event to a run's log, in the caller's transaction."""
    row = {
        "id": new_uuid(),
        "mission_id": run["mission_id"],
        "run_id": run["id"],
        "type": type,
        "summary": summary,
        "payload": dict(payload or {}),
        "step_id": step_id,
        "agent_id": agent_id,
        "timestamp": at,
    }
    await insert(conn, "mission_event", encoded(row, JSON_COLUMNS))
    # An event is the run's activity: the sweep leaves a run alone while its story goes on.
    await conn.execute("UPDATE mission_run SET heartbeat_at = ? WHERE id = ?", (at, run["id"]))
    return row


async def status_change(
    conn: Connection, run: Mapping[str, Any], at: str, old: str | None, new: str, reason: str | None = None
) -> None:
    """The event every run status change appends (creation included: from null)."""
    payload: dict[str, Any] = {"from": old, "to": new}
    if reason:
        payload["reason"] = reason
    summary = f"run {new}" if old is None else f"run {old} -> {new}"
    await append(conn, run, at, "status_change", summary, payload)


async def recent(conn: Connection, run_id: str, count: int = RECENT) -> list[dict[str, Any]]:
    """The run's last `count` events, the oldest of them first."""
    rows = await conn.fetchall(
        f"SELECT {_COLUMNS} FROM mission_event WHERE run_id = ? ORDER BY seq DESC LIMIT ?", (run_id, count)
    )
    return [as_dict(r, JSON_COLUMNS) for r in reversed(rows)]  # type: ignore[misc]


class Events:
    """The event repository."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def log(self, origin: Origin, mission_id: str, run_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """Log an event the agent writes (its step, when named, must be a step of the run)."""

        async def run_log(conn: Connection) -> dict[str, Any]:
            run = await require_run(conn, mission_id, run_id)
            if values.get("step_id"):
                try:
                    await require_step(conn, run_id, values["step_id"])
                except ToolError:
                    raise invalid_field("step_id", f"{values['step_id']!r} is not a step of run {run_id}") from None
            row = await append(conn, run, origin.at, **values)
            await record_created(conn, origin, "mission_event", row["id"], version=None)
            return row

        return await self.db.write(run_log)

    async def get(self, event_id: str) -> dict[str, Any]:
        async def run(conn: Connection) -> dict[str, Any]:
            found = await conn.fetchone(f"SELECT {_COLUMNS} FROM mission_event WHERE id = ?", (event_id,))
            if found is None:
                raise not_found("event", event_id)
            return as_dict(found, JSON_COLUMNS)  # type: ignore[return-value]

        return await self.db.read(run)

    async def list(self, equal: Mapping[str, Any], limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        """Events that match: oldest first within one run, newest first across runs."""
        where, params = filters(equal)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        order = "seq ASC" if equal.get("run_id") else "seq DESC"

        async def run(conn: Connection) -> tuple[list[dict[str, Any]], int]:
            total = await capped_count(conn, "mission_event", clause, params)
            rows = await conn.fetchall(
                f"SELECT {_COLUMNS} FROM mission_event{clause} ORDER BY {order} LIMIT ? OFFSET ?",
                [*params, limit, offset],
            )
            return [as_dict(r, JSON_COLUMNS) for r in rows], total  # type: ignore[misc]

        return await self.db.read(run)
