"""Endeavours: the bodies of work that tasks belong to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from worktrail.domain.errors import ToolError, invalid_field, not_found
from worktrail.domain.ids import new_id
from worktrail.domain.lifecycle import transition
from worktrail.domain.lifecycles import ENDEAVOUR, TASK_STATUSES
from worktrail.store.audit import Origin, diff, noted_change, record_created
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.rows import encoded, fetch, filters, insert, page, update_if_status

JSON_COLUMNS = ("goals", "metadata")


async def require(conn: Connection, endeavour_id: str) -> dict[str, Any]:
    """One endeavour row, or `not_found`."""
    row = await fetch(conn, "endeavour", endeavour_id, JSON_COLUMNS)
    if row is None:
        raise not_found("endeavour", endeavour_id)
    return row


def check_open(row: Mapping[str, Any], field: str) -> None:
    """Tasks may still join or change in this endeavour: it is not archived."""
    if row["status"] == "archived":
        raise invalid_field(field, f"endeavour {row['id']} is archived; its tasks can no longer be changed")


async def require_open(conn: Connection, endeavour_id: str, field: str) -> dict[str, Any]:
    """An endeavour that tasks may still join or change in: it exists and is not archived."""
    row = await require(conn, endeavour_id)
    check_open(row, field)
    return row


def _check_dates(row: Mapping[str, Any]) -> None:
    start, end = row.get("start_date"), row.get("end_date")
    if start and end and end < start:
        raise invalid_field("end_date", f"end_date {end} is before start_date {start}")


async def _task_counts(conn: Connection, endeavour_id: str) -> dict[str, int]:
    counts = dict.fromkeys(TASK_STATUSES, 0)
    rows = await conn.fetchall(
        "SELECT status, COUNT(*) FROM task WHERE endeavour_id = ? GROUP BY status", (endeavour_id,)
    )
    counts.update({status: n for status, n in rows})
    return counts


CLEARABLE = ("start_date", "end_date")


def _cleared(values: Mapping[str, Any]) -> dict[str, Any]:
    """`""` clears a date: it is stored as NULL."""
    return {k: (None if k in CLEARABLE and v == "" else v) for k, v in values.items()}


class Endeavours:
    """The endeavour repository."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, origin: Origin, values: Mapping[str, Any]) -> dict[str, Any]:
        async def run(conn: Connection) -> dict[str, Any]:
            row = {
                "id": new_id("edv"),
                "description": "",
                "goals": [],
                "metadata": {},
                **_cleared(values),
                "status": ENDEAVOUR.initial,
                "created_by": origin.actor_id,
                "created_at": origin.at,
                "updated_at": origin.at,
            }
            _check_dates(row)
            await insert(conn, "endeavour", encoded(row, JSON_COLUMNS))
            await record_created(conn, origin, "endeavour", row["id"])
            return {**row, "version": 1, "task_counts": dict.fromkeys(TASK_STATUSES, 0)}

        return await self.db.write(run)

    async def get(self, endeavour_id: str) -> dict[str, Any]:
        async def run(conn: Connection) -> dict[str, Any]:
            row = await require(conn, endeavour_id)
            return {**row, "task_counts": await _task_counts(conn, endeavour_id)}

        return await self.db.read(run)

    async def list(
        self, *, status: str | None, search: str | None, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        where, params = filters({"status": status}, ("name", "description"), search)
        return await self.db.read(lambda conn: page(conn, "endeavour", where, params, limit, offset, JSON_COLUMNS))

    async def update(self, origin: Origin, endeavour_id: str, changes: Mapping[str, Any]) -> int:
        """Apply a partial update; answer the version it produced."""

        async def run(conn: Connection) -> int:
            row = await require(conn, endeavour_id)
            values = _cleared(changes)
            if "status" in values:
                values.update(transition(ENDEAVOUR, row["status"], values["status"], row, origin.at))
            elif row["status"] == "archived":
                raise ToolError(
                    "invalid_input",
                    f"Endeavour {endeavour_id} is archived and can no longer be changed.",
                    {"current_status": "archived", "allowed": []},
                )
            _check_dates({**row, **values})
            values["updated_at"] = origin.at
            change = noted_change(origin, "endeavour", endeavour_id, "update", diff(row, values))
            return await update_if_status(
                conn, "endeavour", endeavour_id, encoded(values, JSON_COLUMNS), row["status"], change
            )

        return await self.db.write(run)
