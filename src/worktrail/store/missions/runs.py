"""Mission runs (seed 003's update to the letter), moved along the MISSION_RUN lifecycle; every
status change appends its event in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from worktrail.domain.errors import ToolError
from worktrail.domain.finished import Outcome, check_not_finished
from worktrail.domain.ids import new_uuid
from worktrail.domain.lifecycles import MISSION_RUN
from worktrail.domain.plans import nested
from worktrail.store.audit import Origin, record_created
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.missions import events
from worktrail.store.missions.lookup import RUN_JSON, require_run, steps_of
from worktrail.store.missions.missions import require as require_mission
from worktrail.store.moves import apply_update
from worktrail.store.rows import encoded, insert, page
from worktrail.store.run_numbers import next_number

JSON_COLUMNS = RUN_JSON

FINISHED = Outcome(
    kind="mission run",
    frozen=("status", "result_summary", "result_payload", "error"),
    refused_code="invalid_transition",
    instead="start a new run with ts.mrn.create.",
)


async def move(
    conn: Connection,
    origin: Origin,
    run: Mapping[str, Any],
    changes: Mapping[str, Any],
    reason: str | None,
    only_from: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Apply a partial update to a run: the frozen outcome, the move as a compare-and-set, its event.
    `only_from`: the states an action endpoint moves from (resume moves only a paused run)."""
    check_not_finished(FINISHED, run["id"], run["status"], changes, MISSION_RUN.terminal)
    if only_from is not None and run["status"] not in only_from:
        raise ToolError(
            "invalid_transition",
            f"{origin.tool} moves a run that is {' or '.join(only_from)}; this one is {run['status']}.",
            {"current_status": run["status"], "requested_status": changes["status"],
             "allowed": list(MISSION_RUN.allowed(run["status"]))},
        )  # fmt: skip
    values = await apply_update(conn, origin, "mission_run", MISSION_RUN, run, changes, JSON_COLUMNS)
    if "status" in changes:
        await events.status_change(conn, run, origin.at, run["status"], values["status"], reason)
    return await require_run(conn, run["mission_id"], run["id"])


class MissionRuns:
    """The mission run repository."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, origin: Origin, mission_id: str, values: Mapping[str, Any], start: bool) -> dict[str, Any]:
        async def run(conn: Connection) -> dict[str, Any]:
            await require_mission(conn, mission_id)
            row = {
                "id": new_uuid(),
                "mission_id": mission_id,
                "status": "running" if start else "pending",
                "input": {},
                "metadata": {},
                **values,
                "started_at": origin.at,
                "instance_id": origin.instance_id,
                "created_by": origin.actor_id,
                "created_at": origin.at,
                "updated_at": origin.at,
            }
            row["run_number"] = await next_number(conn, "mission_run", mission_id)
            await insert(conn, "mission_run", encoded(row, JSON_COLUMNS))
            await record_created(conn, origin, "mission_run", row["id"])
            await events.status_change(conn, row, origin.at, None, row["status"])
            return await require_run(conn, mission_id, row["id"])

        return await self.db.write(run)

    async def get(self, mission_id: str, run_id: str, include: Sequence[str] = ()) -> dict[str, Any]:
        """The run, and with `include` its plan (nested steps) and its last events."""

        async def run(conn: Connection) -> dict[str, Any]:
            found = await require_run(conn, mission_id, run_id)
            if "plan" in include:
                found["plan"] = {"run_id": run_id, "steps": nested(await steps_of(conn, run_id))}
            if "recent_events" in include:
                found["recent_events"] = await events.recent(conn, run_id)
            return found

        return await self.db.read(run)

    async def list(
        self, mission_id: str | None, statuses: Sequence[str] | None, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        where: list[str] = []
        params: list[Any] = []
        if mission_id:
            where.append("mission_id = ?")
            params.append(mission_id)
        if statuses:
            where.append(f"status IN ({', '.join('?' for _ in statuses)})")
            params += list(statuses)

        async def run(conn: Connection) -> tuple[list[dict[str, Any]], int]:
            if mission_id:
                await require_mission(conn, mission_id)
            return await page(conn, "mission_run", where, params, limit, offset, JSON_COLUMNS)

        return await self.db.read(run)

    async def update(
        self,
        origin: Origin,
        mission_id: str,
        run_id: str,
        changes: Mapping[str, Any],
        reason: str | None = None,
        only_from: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        async def run(conn: Connection) -> dict[str, Any]:
            return await move(conn, origin, await require_run(conn, mission_id, run_id), changes, reason, only_from)

        return await self.db.write(run)
