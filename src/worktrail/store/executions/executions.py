"""Executions (seed 002): a job started from a configuration, its config frozen at the start,
settled by an update, tied to the serving process that started it (see recovery.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from worktrail.domain.ids import new_uuid
from worktrail.domain.lifecycles import EXECUTION
from worktrail.store.audit import Origin, record_created
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.moves import apply_update
from worktrail.store.recovery import heartbeat
from worktrail.store.rows import encoded, filters, insert, page, require_row
from worktrail.store.run_numbers import next_number

JSON_COLUMNS = ("config_snapshot", "trigger_context", "error_info", "progress")


async def require(conn: Connection, execution_id: str) -> dict[str, Any]:
    return await require_row(conn, "execution", execution_id, "execution", JSON_COLUMNS)


class Executions:
    """The execution repository."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, origin: Origin, values: Mapping[str, Any]) -> dict[str, Any]:
        async def run(conn: Connection) -> dict[str, Any]:
            row = {"id": new_uuid(), "config_snapshot": {}, **values, "status": EXECUTION.initial,
                   "instance_id": origin.instance_id, "created_by": origin.actor_id, "started_at": origin.at,
                   "created_at": origin.at, "updated_at": origin.at}  # fmt: skip
            row["run_number"] = await next_number(conn, "execution", row["config_id"])
            await insert(conn, "execution", encoded(row, JSON_COLUMNS))
            await record_created(conn, origin, "execution", row["id"])
            return await require(conn, row["id"])

        return await self.db.write(run)

    async def get(self, execution_id: str) -> dict[str, Any]:
        return await self.db.read(lambda conn: require(conn, execution_id))

    async def list(
        self, statuses: Sequence[str] | None, config_id: str | None, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        where, params = filters({"config_id": config_id})
        if statuses:
            where.append(f"status IN ({', '.join('?' for _ in statuses)})")
            params += list(statuses)
        return await self.db.read(lambda conn: page(conn, "execution", where, params, limit, offset, JSON_COLUMNS))

    async def settle(
        self, origin: Origin, execution_id: str, changes: Mapping[str, Any], reason: str | None = None
    ) -> tuple[str, dict[str, Any]]:
        """Move an execution (from running or interrupted); answer its previous status and the row.
        `reason` (a cancel's) is kept in the change record: error_info belongs to failed alone."""
        noted = {"reason": [None, reason]} if reason else None

        async def run(conn: Connection) -> tuple[str, dict[str, Any]]:
            row = await require(conn, execution_id)
            await apply_update(conn, origin, "execution", EXECUTION, row, changes, JSON_COLUMNS, noted=noted)
            return row["status"], await require(conn, execution_id)

        return await self.db.write(run)

    async def heartbeat(self, execution_id: str, at: str, progress: dict[str, Any] | None) -> dict[str, Any]:
        extra = (
            {"progress": encoded({"progress": progress}, JSON_COLUMNS)["progress"]} if progress is not None else None
        )
        return await self.db.write(lambda conn: heartbeat(conn, "execution", execution_id, at, extra))
