"""Ritual runs: one performance of a ritual and its outcome (seed 000)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from worktrail.domain.errors import invalid_field
from worktrail.domain.ids import new_id
from worktrail.domain.lifecycles import RITUAL_RUN
from worktrail.domain.ritual_runs import check_run_not_finished
from worktrail.store.audit import Origin, record_created
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.moves import apply_update
from worktrail.store.rituals import rituals
from worktrail.store.rows import encoded, filters, insert, page, require_row
from worktrail.store.run_numbers import next_number

JSON_COLUMNS = ("effects", "error", "metadata")


async def require(conn: Connection, run_id: str) -> dict[str, Any]:
    """One run row, or `not_found`."""
    return await require_row(conn, "ritual_run", run_id, "ritual run", JSON_COLUMNS)


def _check_runnable(ritual: Mapping[str, Any]) -> None:
    """Only an active, enabled ritual may be run."""
    reactivate = f'ts.rtl.update {{"id": "{ritual["id"]}", '
    if ritual["status"] != "active":
        raise invalid_field(
            "ritual_id",
            f"ritual {ritual['id']} is {ritual['status']} and cannot be run",
            f'Reactivate it first with {reactivate}"status": "active"}}.',
        )
    if not ritual["is_enabled"]:
        raise invalid_field(
            "ritual_id",
            f"ritual {ritual['id']} is disabled and cannot be run",
            f'Enable it first with {reactivate}"is_enabled": true}}.',
        )


class RitualRuns:
    """The ritual run repository."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, origin: Origin, values: Mapping[str, Any]) -> dict[str, Any]:
        async def run(conn: Connection) -> dict[str, Any]:
            _check_runnable(await rituals.require(conn, values["ritual_id"]))
            row = {
                "id": new_id("rtr"),
                "trigger": "manual",
                "metadata": {},
                **values,
                "status": RITUAL_RUN.initial,
                "run_by": origin.actor_id,
                "instance_id": origin.instance_id,
                "started_at": origin.at,
                "created_at": origin.at,
                "updated_at": origin.at,
            }
            row["run_number"] = await next_number(conn, "ritual_run", row["ritual_id"])
            await insert(conn, "ritual_run", encoded(row, JSON_COLUMNS))
            await record_created(conn, origin, "ritual_run", row["id"])
            return await require(conn, row["id"])

        return await self.db.write(run)

    async def get(self, run_id: str) -> dict[str, Any]:
        return await self.db.read(lambda conn: require(conn, run_id))

    async def list(
        self, *, ritual_id: str | None, status: str | None, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        where, params = filters({"ritual_id": ritual_id, "status": status})
        return await self.db.read(lambda conn: page(conn, "ritual_run", where, params, limit, offset, JSON_COLUMNS))

    async def update(self, origin: Origin, run_id: str, changes: Mapping[str, Any]) -> int:
        """Record progress or the outcome, in the contract's order: existence, a finished run's
        frozen outcome, then the transition as a compare-and-set."""

        async def run(conn: Connection) -> int:
            row = await require(conn, run_id)
            check_run_not_finished(row, changes, RITUAL_RUN.terminal)
            return (await apply_update(conn, origin, "ritual_run", RITUAL_RUN, row, changes, JSON_COLUMNS))["version"]

        # Read first (postgresql/read_first.py): `run` begins with the run and ends with its compare-and-set.
        return await self.db.write(run, read_first=True)
