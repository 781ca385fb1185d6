"""Finding a run under its mission, and its steps, in the caller's transaction or snapshot."""

from __future__ import annotations

from typing import Any

from worktrail.domain.errors import not_found
from worktrail.store.connection import Connection
from worktrail.store.missions.missions import require as require_mission
from worktrail.store.rows import as_dict, fetch

RUN_JSON = ("input", "result_payload", "metadata")
STEP_JSON = ("metadata",)


async def require_run(conn: Connection, mission_id: str, run_id: str) -> dict[str, Any]:
    """One run of one mission, or `not_found` (the mission first, when it is the one missing; a
    run of another mission is not found under this one)."""
    row = await fetch(conn, "mission_run", run_id, RUN_JSON)
    if row is None or row["mission_id"] != mission_id:
        await require_mission(conn, mission_id)
        raise not_found("run", run_id)
    return row


async def steps_of(conn: Connection, run_id: str) -> list[dict[str, Any]]:
    """Every step of a run's plan, unordered."""
    rows = await conn.fetchall("SELECT * FROM plan_step WHERE run_id = ?", (run_id,))
    return [as_dict(r, STEP_JSON) for r in rows]  # type: ignore[misc]


async def require_step(conn: Connection, run_id: str, step_id: str) -> dict[str, Any]:
    """One step of a run, or `not_found`."""
    row = await conn.fetchone("SELECT * FROM plan_step WHERE run_id = ? AND step_id = ?", (run_id, step_id))
    if row is None:
        raise not_found("step", step_id)
    return as_dict(row, STEP_JSON)  # type: ignore[return-value]
