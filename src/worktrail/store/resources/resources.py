"""Resources: the humans, agents, services and teams that hold keys and do the work."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from worktrail.domain.actor import Actor
from worktrail.domain.errors import ToolError, not_found
from worktrail.domain.ids import new_id
from worktrail.domain.lifecycle import transition
from worktrail.domain.lifecycles import RESOURCE
from worktrail.domain.names import name_key
from worktrail.domain.permissions import check_may_update_resource
from worktrail.store.audit import Origin, diff, record, record_created
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.oauth.grants import end_grants_of
from worktrail.store.rows import encoded, fetch, filters, insert, page, update_if_status

JSON_COLUMNS = ("skills", "metadata")


async def require(conn: Connection, resource_id: str) -> dict[str, Any]:
    """One resource row, or `not_found`."""
    row = await fetch(conn, "resource", resource_id, JSON_COLUMNS)
    if row is None:
        raise not_found("resource", resource_id)
    return row


async def check_name_free(conn: Connection, name: str, resource_id: str | None = None) -> str:
    """The name's key, unless another resource holds a name alike (`conflict` naming it): names are
    identities on the board, unique in a ledger (the unique index on name_key backs this)."""
    key = name_key(name)
    holder = await conn.fetchone(
        "SELECT id, name FROM resource WHERE name_key = ? AND id != ?", (key, resource_id or "")
    )
    if holder is not None:
        raise ToolError(
            "conflict",
            f"The name {name!r} is taken: resource {holder[0]} is named {holder[1]!r} (names are compared "
            "ignoring case, width and spacing). Nothing was changed; choose another name.",
            {"field": "name", "reason": "name_taken", "holder_id": holder[0]},
        )
    return key


async def insert_resource(conn: Connection, origin: Origin, values: Mapping[str, Any]) -> dict[str, Any]:
    """Insert a resource (its name free) and its change record; return the stored row."""
    key = await check_name_free(conn, values["name"])
    row = {
        "id": new_id("res"),
        "status": "active",
        "skills": [],
        "metadata": {},
        "capacity_model": None,
        "capacity_value": None,
        **values,
        "created_at": origin.at,
        "updated_at": origin.at,
    }
    await insert(conn, "resource", encoded({**row, "name_key": key}, JSON_COLUMNS))
    await record_created(conn, origin, "resource", row["id"])
    return {**row, "version": 1}


async def _active_owners(conn: Connection) -> int:
    return (await conn.fetchone("SELECT COUNT(*) FROM resource WHERE role = 'owner' AND status = 'active'"))[0]


class Resources:
    """The resource repository."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, origin: Origin, values: Mapping[str, Any]) -> dict[str, Any]:
        return await self.db.write(lambda conn: insert_resource(conn, origin, values))

    async def get(self, resource_id: str) -> dict[str, Any]:
        return await self.db.read(lambda conn: require(conn, resource_id))

    async def list(
        self, *, type: str | None, status: str | None, search: str | None, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        where, params = filters({"type": type, "status": status}, ("name",), search)
        return await self.db.read(lambda conn: page(conn, "resource", where, params, limit, offset, JSON_COLUMNS))

    async def update(self, origin: Origin, actor: Actor, resource_id: str, changes: Mapping[str, Any]) -> int:
        """Apply a partial update; answer the version it produced."""

        async def run(conn: Connection) -> int:
            row = await require(conn, resource_id)
            check_may_update_resource(actor, row, changes)
            values = dict(changes)
            if "status" in values:
                values.update(transition(RESOURCE, row["status"], values["status"], row, origin.at))
            losing_owner = (
                row["role"] == "owner"
                and row["status"] == "active"
                and (values.get("role", "owner") != "owner" or values.get("status", "active") != "active")
            )
            if losing_owner and await _active_owners(conn) <= 1:
                raise ToolError(
                    "invalid_input",
                    "This is the last active owner; make another resource owner before demoting or deactivating it.",
                    [
                        {
                            "loc": ["role" if "role" in values else "status"],
                            "msg": "last active owner",
                            "type": "value_error",
                        }
                    ],
                )
            values["updated_at"] = origin.at
            stored = dict(values)
            if "name" in values:
                stored["name_key"] = await check_name_free(conn, values["name"], resource_id)
            version = await update_if_status(
                conn, "resource", resource_id, encoded(stored, JSON_COLUMNS), row["status"]
            )
            if row["status"] == "active" and values.get("status") == "inactive":
                await end_grants_of(conn, resource_id, origin.at)  # made active again, the person signs in again
            await record(conn, origin, "resource", resource_id, "update", diff(row, values), version)
            return version

        return await self.db.write(run)
