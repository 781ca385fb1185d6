"""Mission definitions: what a multi-step objective is, and how it is run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from worktrail.domain.actor import Actor
from worktrail.domain.deletions import MISSION
from worktrail.domain.ids import new_uuid
from worktrail.store.audit import Origin, diff, record, record_created
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.deletions import check
from worktrail.store.rows import encoded, filters, insert, page, require_row, update_versioned

JSON_COLUMNS = ("metadata",)
DEFINITION = ("name", "description", "instructions", "model", "execution_mode", "metadata")


async def require(conn: Connection, mission_id: str) -> dict[str, Any]:
    """One mission row, or `not_found`."""
    return await require_row(conn, "mission", mission_id, "mission", JSON_COLUMNS)


async def _insert(conn: Connection, origin: Origin, values: Mapping[str, Any]) -> dict[str, Any]:
    row = {
        "id": new_uuid(),
        "execution_mode": "external",
        "metadata": {},
        **values,
        "created_by": origin.actor_id,
        "created_at": origin.at,
        "updated_at": origin.at,
    }
    await insert(conn, "mission", encoded(row, JSON_COLUMNS))
    await record_created(conn, origin, "mission", row["id"])
    return await require(conn, row["id"])


class Missions:
    """The mission repository."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, origin: Origin, values: Mapping[str, Any]) -> dict[str, Any]:
        return await self.db.write(lambda conn: _insert(conn, origin, values))

    async def get(self, mission_id: str) -> dict[str, Any]:
        return await self.db.read(lambda conn: require(conn, mission_id))

    async def list(self, search: str | None, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        where, params = filters({}, ("name", "description"), search)
        return await self.db.read(lambda conn: page(conn, "mission", where, params, limit, offset, JSON_COLUMNS))

    async def update(self, origin: Origin, mission_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """A partial update; answers the mission as it now stands."""

        async def run(conn: Connection) -> dict[str, Any]:
            row = await require(conn, mission_id)
            values = {**changes, "updated_at": origin.at}
            version = await update_versioned(conn, "mission", mission_id, encoded(values, JSON_COLUMNS))
            await record(conn, origin, "mission", mission_id, "update", diff(row, values), version)
            return await require(conn, mission_id)

        return await self.db.write(run)

    async def clone(self, origin: Origin, mission_id: str, name: str | None) -> dict[str, Any]:
        """A new mission with the same definition and no runs."""

        async def run(conn: Connection) -> dict[str, Any]:
            source = await require(conn, mission_id)
            values = {k: source[k] for k in DEFINITION if source.get(k) is not None}
            values["name"] = name or f"{source['name']} (copy)"
            return await _insert(conn, origin, values)

        return await self.db.write(run)

    async def delete(self, origin: Origin, actor: Actor, mission_id: str) -> dict[str, Any]:
        """Remove a mission with its runs, plans and events, unless a run is still unfinished."""

        async def run(conn: Connection) -> dict[str, Any]:
            row = await require(conn, mission_id)
            await check(conn, actor, MISSION, row, runs=("mission_run", "mission_id"))
            runs = (await conn.fetchone("SELECT COUNT(*) FROM mission_run WHERE mission_id = ?", (mission_id,)))[0]
            await conn.execute("DELETE FROM mission WHERE id = ?", (mission_id,))  # runs, steps, events by cascade
            await record(
                conn, origin, "mission", mission_id, "delete", {"name": [row["name"], None], "runs": [runs, 0]}
            )
            return {"mission_id": mission_id, "deleted": True, "runs_deleted": runs}

        return await self.db.write(run)
