"""A run's plan: steps the agent lays out, ticks off, and nests; every step status change appends
its event in the same transaction, and the steps of a finished run are frozen."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from worktrail.domain.errors import ToolError
from worktrail.domain.ids import new_uuid
from worktrail.domain.lifecycles import MISSION_RUN, PLAN_STEP
from worktrail.domain.plans import check_new_steps, nested
from worktrail.store.audit import Origin, record_created
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.missions import events
from worktrail.store.missions.lookup import require_run, require_step, steps_of
from worktrail.store.moves import apply_update
from worktrail.store.rows import encoded, insert

JSON_COLUMNS = ("metadata",)
# The event a step's move appends; other moves are a status_change naming the step.
STEP_EVENTS = {"in_progress": "step_started", "completed": "step_completed", "failed": "step_failed"}


def _check_run_open(run: Mapping[str, Any], what: str) -> None:
    if run["status"] in MISSION_RUN.terminal:
        raise ToolError(
            "invalid_transition",
            f"Mission run {run['id']} already finished ({run['status']}); {what}: a finished run's plan is frozen.",
            {"current_status": run["status"], "allowed": []},
        )


async def _plan(conn: Connection, run_id: str) -> dict[str, Any]:
    return {"run_id": run_id, "steps": nested(await steps_of(conn, run_id))}


async def _add(conn: Connection, origin: Origin, run: Mapping[str, Any], steps: Sequence[Mapping[str, Any]]) -> None:
    existing = {s["step_id"]: s.get("parent_step_id") for s in await steps_of(conn, run["id"])}
    check_new_steps(steps, existing)
    for step in steps:
        row = {
            "id": new_uuid(),
            "run_id": run["id"],
            "metadata": {},
            **step,
            "status": PLAN_STEP.initial,
            "created_at": origin.at,
            "updated_at": origin.at,
        }
        await insert(conn, "plan_step", encoded(row, JSON_COLUMNS))
        await record_created(conn, origin, "plan_step", row["id"])


class Plans:
    """The plan repository."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self, origin: Origin, mission_id: str, run_id: str, steps: Sequence[Mapping[str, Any]]
    ) -> dict[str, Any]:
        """The run's plan, laid out once (`conflict` when it already has one)."""

        async def run(conn: Connection) -> dict[str, Any]:
            found = await require_run(conn, mission_id, run_id)
            _check_run_open(found, "it takes no plan any more")
            if found["plan_created_at"] is not None:
                raise ToolError(
                    "conflict",
                    f"Run {run_id} has a plan already (laid out at {found['plan_created_at']}); "
                    "add to it with ts.pln.add_steps.",
                    {"reason": "plan_exists", "plan_created_at": found["plan_created_at"]},
                )
            await _add(conn, origin, found, steps)
            await conn.execute("UPDATE mission_run SET plan_created_at = ? WHERE id = ?", (origin.at, run_id))
            return await _plan(conn, run_id)

        return await self.db.write(run)

    async def add_steps(
        self, origin: Origin, mission_id: str, run_id: str, steps: Sequence[Mapping[str, Any]]
    ) -> dict[str, Any]:
        async def run(conn: Connection) -> dict[str, Any]:
            found = await require_run(conn, mission_id, run_id)
            _check_run_open(found, "it takes no new steps")
            await _add(conn, origin, found, steps)
            await conn.execute(
                "UPDATE mission_run SET plan_created_at = COALESCE(plan_created_at, ?) WHERE id = ?",
                (origin.at, run_id),
            )
            return await _plan(conn, run_id)

        return await self.db.write(run)

    async def get(self, mission_id: str, run_id: str) -> dict[str, Any]:
        async def run(conn: Connection) -> dict[str, Any]:
            await require_run(conn, mission_id, run_id)
            return await _plan(conn, run_id)

        return await self.db.read(run)

    async def get_step(self, mission_id: str, run_id: str, step_id: str) -> dict[str, Any]:
        async def run(conn: Connection) -> dict[str, Any]:
            await require_run(conn, mission_id, run_id)
            return await require_step(conn, run_id, step_id)

        return await self.db.read(run)

    async def update_step(
        self, origin: Origin, mission_id: str, run_id: str, step_id: str, changes: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Move a step and/or replace its metadata; the move appends its event."""

        async def run(conn: Connection) -> dict[str, Any]:
            found = await require_run(conn, mission_id, run_id)
            step = await require_step(conn, run_id, step_id)
            _check_run_open(found, f"its step {step_id} can no longer move")
            values = await apply_update(conn, origin, "plan_step", PLAN_STEP, step, changes, JSON_COLUMNS)
            if "status" in changes:
                new = values["status"]
                kind = STEP_EVENTS.get(new, "status_change")
                payload = {"from": step["status"], "to": new}
                summary = f"step {step_id}: {step['status']} -> {new}"
                await events.append(conn, found, origin.at, kind, summary, payload, step_id=step_id)
            return await require_step(conn, run_id, step_id)

        return await self.db.write(run)
