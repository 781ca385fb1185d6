"""Workflow definitions: a prompt, and the schemas its runs' inputs and outputs must satisfy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from worktrail.domain.actor import Actor
from worktrail.domain.deletions import WORKFLOW
from worktrail.domain.ids import new_uuid
from worktrail.store.audit import Origin, diff, record, record_created
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.deletions import check
from worktrail.store.rows import encoded, filters, insert, page, require_row, update_versioned
from worktrail.store.workflows import secrets

JSON_COLUMNS = ("input_schema", "output_schema", "metadata")


async def require(conn: Connection, workflow_id: str) -> dict[str, Any]:
    """One workflow row, or `not_found`."""
    return await require_row(conn, "workflow", workflow_id, "workflow", JSON_COLUMNS)


class Workflows:
    """The workflow repository."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, origin: Origin, values: Mapping[str, Any]) -> dict[str, Any]:
        async def run(conn: Connection) -> dict[str, Any]:
            row = {"id": new_uuid(), "metadata": {}, **values, "created_by": origin.actor_id,
                   "created_at": origin.at, "updated_at": origin.at}  # fmt: skip
            await insert(conn, "workflow", encoded(row, JSON_COLUMNS))
            await record_created(conn, origin, "workflow", row["id"])
            return await require(conn, row["id"])

        return await self.db.write(run)

    async def get(self, workflow_id: str) -> dict[str, Any]:
        return await self.db.read(lambda conn: require(conn, workflow_id))

    async def list(self, search: str | None, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        where, params = filters({}, ("name", "description"), search)
        return await self.db.read(lambda conn: page(conn, "workflow", where, params, limit, offset, JSON_COLUMNS))

    async def update(self, origin: Origin, workflow_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        async def run(conn: Connection) -> dict[str, Any]:
            row = await require(conn, workflow_id)
            values = {**changes, "updated_at": origin.at}
            version = await update_versioned(conn, "workflow", workflow_id, encoded(values, JSON_COLUMNS))
            await record(conn, origin, "workflow", workflow_id, "update", diff(row, values), version)
            return await require(conn, workflow_id)

        return await self.db.write(run)

    async def delete(self, origin: Origin, actor: Actor, workflow_id: str) -> dict[str, Any]:
        """Remove a workflow with its runs and their attachments, unless a run is still active."""

        async def run(conn: Connection) -> dict[str, Any]:
            row = await require(conn, workflow_id)
            await check(conn, actor, WORKFLOW, row, runs=("workflow_run", "workflow_id"))
            runs = (await conn.fetchone("SELECT COUNT(*) FROM workflow_run WHERE workflow_id = ?", (workflow_id,)))[0]
            await secrets.erase_of_workflow(conn, workflow_id)
            await conn.execute("DELETE FROM workflow WHERE id = ?", (workflow_id,))
            await record(
                conn, origin, "workflow", workflow_id, "delete", {"name": [row["name"], None], "runs": [runs, 0]}
            )
            return {"id": workflow_id, "deleted": True, "runs_deleted": runs}

        return await self.db.write(run)
