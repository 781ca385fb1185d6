"""Rituals: recurring procedures an agent performs, and when each is next due."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from worktrail.domain.clock import format_ts, parse_ts
from worktrail.domain.errors import not_found
from worktrail.domain.ids import new_id
from worktrail.domain.lifecycle import transition
from worktrail.domain.lifecycles import RITUAL
from worktrail.domain.schedules import MANUAL, next_due
from worktrail.store.audit import Origin, diff, noted_change, record_created
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.endeavours import endeavours
from worktrail.store.rows import as_dict, encoded, filters, insert, page, update_if_status

JSON_COLUMNS = ("schedule", "metadata")

# Each ritual is read with the start of its latest run, which next_due_at counts from.
_SELECT = "*, (SELECT MAX(started_at) FROM ritual_run WHERE ritual_run.ritual_id = ritual.id) AS last_run_at"


def _shaped(row: dict[str, Any]) -> dict[str, Any]:
    """A stored ritual as tools answer with it: a real boolean, and when it is next due.

    Only an active, enabled ritual with an interval or cron schedule is ever due.
    """
    row["is_enabled"] = bool(row["is_enabled"])
    due = None
    if row["is_enabled"] and row["status"] == "active":
        moment = next_due(row["schedule"], parse_ts(row["last_run_at"] or row["created_at"]))
        due = format_ts(moment) if moment is not None else None
    row["next_due_at"] = due
    return row


async def require(conn: Connection, ritual_id: str) -> dict[str, Any]:
    """One ritual, shaped, or `not_found`."""
    row = as_dict((await conn.fetchone(f"SELECT {_SELECT} FROM ritual WHERE id = ?", (ritual_id,))), JSON_COLUMNS)
    if row is None:
        raise not_found("ritual", ritual_id)
    return _shaped(row)


def _stored(values: Mapping[str, Any]) -> dict[str, Any]:
    """Values as columns: `""` unlinks the endeavour; the flag is 0 or 1."""
    out = dict(values)
    if out.get("endeavour_id") == "":
        out["endeavour_id"] = None
    if "is_enabled" in out:
        out["is_enabled"] = int(out["is_enabled"])
    return out


class Rituals:
    """The ritual repository."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, origin: Origin, values: Mapping[str, Any]) -> dict[str, Any]:
        async def run(conn: Connection) -> dict[str, Any]:
            if values.get("endeavour_id"):
                await endeavours.require_open(conn, values["endeavour_id"], "endeavour_id")
            row = {
                "id": new_id("rtl"),
                "description": "",
                "schedule": MANUAL,
                "is_enabled": True,
                "metadata": {},
                **values,
                "status": RITUAL.initial,
                "created_by": origin.actor_id,
                "created_at": origin.at,
                "updated_at": origin.at,
            }
            await insert(conn, "ritual", encoded(_stored(row), JSON_COLUMNS))
            await record_created(conn, origin, "ritual", row["id"])
            return await require(conn, row["id"])

        return await self.db.write(run)

    async def get(self, ritual_id: str) -> dict[str, Any]:
        return await self.db.read(lambda conn: require(conn, ritual_id))

    async def list(
        self,
        *,
        endeavour_id: str | None,
        is_enabled: bool | None,
        status: str | None,
        search: str | None,
        due_at: str | None = None,
        due: bool = True,
        limit: int,
        offset: int,
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of rituals, newest first. With `due_at`: only those due by then, most overdue first
        (or with `due=False`, only those that are not, newest first).

        When a ritual is due depends on its schedule (cron needs croniter), so that filter runs here
        over the rituals that can be due at all; a ledger keeps tens of rituals, not millions.
        """
        enabled = None if is_enabled is None else int(is_enabled)
        equal = {"endeavour_id": endeavour_id, "is_enabled": enabled, "status": status}
        where, params = filters(equal, ("name", "description"), search)

        async def run(conn: Connection) -> tuple[list[dict[str, Any]], int]:
            if due_at is None:
                rows, total = await page(conn, "ritual", where, params, limit, offset, JSON_COLUMNS, select=_SELECT)
                return [_shaped(r) for r in rows], total
            rows, _ = await page(conn, "ritual", where, params, None, 0, JSON_COLUMNS, select=_SELECT)
            chosen = [r for r in map(_shaped, rows) if bool(r["next_due_at"] and r["next_due_at"] <= due_at) == due]
            if due:
                chosen.sort(key=lambda r: r["next_due_at"])
            return chosen[offset : offset + limit], len(chosen)

        return await self.db.read(run)

    async def update(self, origin: Origin, ritual_id: str, changes: Mapping[str, Any]) -> int:
        """Apply a partial update; answer the version it produced."""

        async def run(conn: Connection) -> int:
            row = await require(conn, ritual_id)
            if changes.get("endeavour_id"):
                await endeavours.require_open(conn, changes["endeavour_id"], "endeavour_id")
            values = _stored(changes)
            if "status" in values:
                values.update(transition(RITUAL, row["status"], values["status"], row, origin.at))
            values["updated_at"] = origin.at
            shown = {**values, **{k: changes[k] for k in ("is_enabled",) if k in changes}}
            change = noted_change(origin, "ritual", ritual_id, "update", diff(row, shown))
            return await update_if_status(conn, "ritual", ritual_id, encoded(values, JSON_COLUMNS), row["status"], change)

        return await self.db.write(run)
