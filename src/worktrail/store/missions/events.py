"""A run's events: its story, ordered by insertion (a per-ledger sequence), never by time alone."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from worktrail.domain.errors import ToolError, invalid_field, not_found
from worktrail.domain.ids import new_uuid
from worktrail.store.audit import Origin, record_created
from worktrail.store.database import Database
from worktrail.store.missions.lookup import require_run, require_step
from worktrail.store.rows import as_dict, capped_count, encoded, filters, insert

JSON_COLUMNS = ("payload",)
# What an event answers with (the sequence orders it; it is not shown).
_COLUMNS = "id, mission_id, run_id, type, summary, payload, step_id, agent_id, timestamp"

RECENT = 20


def append(
    conn: sqlite3.Connection,
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
    insert(conn, "mission_event", encoded(row, JSON_COLUMNS))
    # An event is the run's activity: the sweep leaves a run alone while its story goes on.
    conn.execute("UPDATE mission_run SET heartbeat_at = ? WHERE id = ?", (at, run["id"]))
    return row


def status_change(
    conn: sqlite3.Connection, run: Mapping[str, Any], at: str, old: str | None, new: str, reason: str | None = None
) -> None:
    """The event every run status change appends (creation included: from null)."""
    payload: dict[str, Any] = {"from": old, "to": new}
    if reason:
        payload["reason"] = reason
    summary = f"run {new}" if old is None else f"run {old} -> {new}"
    append(conn, run, at, "status_change", summary, payload)


def recent(conn: sqlite3.Connection, run_id: str, count: int = RECENT) -> list[dict[str, Any]]:
    """The run's last `count` events, the oldest of them first."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM mission_event WHERE run_id = ? ORDER BY seq DESC LIMIT ?", (run_id, count)
    ).fetchall()
    return [as_dict(r, JSON_COLUMNS) for r in reversed(rows)]  # type: ignore[misc]


class Events:
    """The event repository."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def log(self, origin: Origin, mission_id: str, run_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """Log an event the agent writes (its step, when named, must be a step of the run)."""

        def run_log(conn: sqlite3.Connection) -> dict[str, Any]:
            run = require_run(conn, mission_id, run_id)
            if values.get("step_id"):
                try:
                    require_step(conn, run_id, values["step_id"])
                except ToolError:
                    raise invalid_field("step_id", f"{values['step_id']!r} is not a step of run {run_id}") from None
            row = append(conn, run, origin.at, **values)
            record_created(conn, origin, "mission_event", row["id"], version=None)
            return row

        return await self.db.write(run_log)

    async def get(self, event_id: str) -> dict[str, Any]:
        def run(conn: sqlite3.Connection) -> dict[str, Any]:
            found = conn.execute(f"SELECT {_COLUMNS} FROM mission_event WHERE id = ?", (event_id,)).fetchone()
            if found is None:
                raise not_found("event", event_id)
            return as_dict(found, JSON_COLUMNS)  # type: ignore[return-value]

        return await self.db.read(run)

    async def list(self, equal: Mapping[str, Any], limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        """Events that match: oldest first within one run, newest first across runs."""
        where, params = filters(equal)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        order = "seq ASC" if equal.get("run_id") else "seq DESC"

        def run(conn: sqlite3.Connection) -> tuple[list[dict[str, Any]], int]:
            total = capped_count(conn, "mission_event", clause, params)
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM mission_event{clause} ORDER BY {order} LIMIT ? OFFSET ?",
                [*params, limit, offset],
            ).fetchall()
            return [as_dict(r, JSON_COLUMNS) for r in rows], total  # type: ignore[misc]

        return await self.db.read(run)
