"""API keys: random, shown once, stored only as their SHA-256."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from worktrail.domain.actor import Actor
from worktrail.domain.errors import ToolError, invalid_field, not_found
from worktrail.domain.ids import hash_api_key, new_api_key, new_id
from worktrail.domain.permissions import check_may_manage_keys_of
from worktrail.domain.roles import is_admin
from worktrail.store import resources
from worktrail.store.audit import Origin, record, record_created
from worktrail.store.database import Database
from worktrail.store.rows import as_dict, filters, insert, page

# What a key looks like to a caller: never its hash.
PUBLIC_COLUMNS = "id, resource_id, name, created_at, created_by, last_used_at, revoked_at"


def insert_key(conn: sqlite3.Connection, origin: Origin, resource_id: str, name: str) -> tuple[dict[str, Any], str]:
    """Mint a key for a resource; return its public row and the key itself (the only time it exists)."""
    owner = resources.require(conn, resource_id)
    if owner["status"] != "active":
        raise invalid_field("resource_id", "the resource is inactive; activate it before giving it a key")
    api_key = new_api_key()
    row = {
        "id": new_id("key"),
        "resource_id": resource_id,
        "name": name,
        "created_by": origin.actor_id,
        "created_at": origin.at,
    }
    insert(conn, "api_key", {**row, "key_hash": hash_api_key(api_key)})
    record_created(conn, origin, "api_key", row["id"], version=None)
    return row, api_key


def revoke_key(
    conn: sqlite3.Connection, origin: Origin, key_id: str, check: Callable[[dict[str, Any]], None] = lambda row: None
) -> dict[str, Any]:
    """Revoke a key once `check` passed on its public row; revoking a revoked key answers with the
    first revocation (safe to retry)."""
    row = as_dict(conn.execute(f"SELECT {PUBLIC_COLUMNS} FROM api_key WHERE id = ?", (key_id,)).fetchone())
    if row is None:
        raise not_found("API key", key_id)
    check(row)
    if row["revoked_at"] is None:
        conn.execute("UPDATE api_key SET revoked_at = ? WHERE id = ?", (origin.at, key_id))
        record(conn, origin, "api_key", key_id, "revoke", {"revoked_at": [None, origin.at]})
        row["revoked_at"] = origin.at
    return row


_ACTOR_SQL = (
    "SELECT k.id AS key_id, k.revoked_at, r.id AS resource_id, r.name, r.role, r.status "
    "FROM api_key k JOIN resource r ON r.id = k.resource_id WHERE "
)


def _actor(row: sqlite3.Row) -> Actor:
    return Actor(resource_id=row["resource_id"], name=row["name"], role=row["role"], key_id=row["key_id"])


class ActorChanged(Exception):
    """The session's resource changed (its role or name) since the session last saw it."""

    def __init__(self, actor: Actor) -> None:
        super().__init__(actor.resource_id)
        self.actor = actor


def verified(conn: sqlite3.Connection, key_id: str) -> Actor:
    """The actor behind a logged-in key as it stands now, or `session_expired`."""
    row = conn.execute(_ACTOR_SQL + "k.id = ?", (key_id,)).fetchone()
    if row is None or row["revoked_at"] is not None:
        raise ToolError("session_expired", "The API key of this session was revoked. Log in again with a valid key.")
    if row["status"] != "active":
        raise ToolError("session_expired", "The resource of this session is inactive. Log in with another key.")
    return _actor(row)


def check_session(conn: sqlite3.Connection, actor: Actor) -> None:
    """`session_expired` for a revoked key or inactive resource; `ActorChanged` when it is not `actor` any more."""
    fresh = verified(conn, actor.key_id)
    if fresh != actor:
        raise ActorChanged(fresh)


class Keys:
    """The API key repository, and the checks behind a login."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, origin: Origin, actor: Actor, resource_id: str, name: str) -> tuple[dict[str, Any], str]:
        def run(conn: sqlite3.Connection) -> tuple[dict[str, Any], str]:
            resources.require(conn, resource_id)
            check_may_manage_keys_of(actor, resource_id)
            return insert_key(conn, origin, resource_id, name)

        return await self.db.write(run)

    async def login(self, api_key: str, at: str) -> Actor:
        """The actor behind a key, or `not_authenticated`; notes when the key was last used."""

        def run(conn: sqlite3.Connection) -> Actor:
            row = conn.execute(_ACTOR_SQL + "k.key_hash = ?", (hash_api_key(api_key),)).fetchone()
            if row is None or row["revoked_at"] is not None or row["status"] != "active":
                raise ToolError(
                    "not_authenticated", "Invalid API key: it is unknown, revoked, or its resource is inactive."
                )
            conn.execute("UPDATE api_key SET last_used_at = ? WHERE id = ?", (at, row["key_id"]))
            return _actor(row)

        return await self.db.write(run)

    async def verify(self, key_id: str) -> Actor:
        """The logged-in actor as it stands now, or `session_expired` once its key or resource is gone."""

        return await self.db.read(lambda conn: verified(conn, key_id))

    async def list(
        self, actor: Actor, resource_id: str | None, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        if resource_id is not None:
            check_may_manage_keys_of(actor, resource_id)
        elif not is_admin(actor.role):
            resource_id = actor.resource_id  # without admin rights, "all keys" means your own
        where, params = filters({"resource_id": resource_id})

        def run(conn: sqlite3.Connection) -> tuple[list[dict[str, Any]], int]:
            rows, total = page(conn, "api_key", where, params, limit, offset)
            return [{k: r[k] for k in PUBLIC_COLUMNS.split(", ")} for r in rows], total

        return await self.db.read(run)

    async def revoke(self, origin: Origin, actor: Actor, key_id: str) -> dict[str, Any]:
        """Revoke a key; revoking a revoked key answers with the first revocation (safe to retry)."""

        return await self.db.write(
            lambda conn: revoke_key(
                conn, origin, key_id, lambda row: check_may_manage_keys_of(actor, row["resource_id"])
            )
        )

    async def bootstrap_owner(self, origin: Origin, name: str) -> tuple[dict[str, Any], dict[str, Any], str]:
        """The first owner and its first key, unless the ledger already has an owner (`conflict`)."""

        def run(conn: sqlite3.Connection) -> tuple[dict[str, Any], dict[str, Any], str]:
            if conn.execute("SELECT 1 FROM resource WHERE role = 'owner' LIMIT 1").fetchone():
                raise ToolError(
                    "conflict", "This database is already initialised: it has an owner. Nothing was changed."
                )
            owner = resources.insert_resource(conn, origin, {"type": "human", "name": name, "role": "owner"})
            key, api_key = insert_key(conn, Origin(owner["id"], origin.tool, origin.at), owner["id"], "initial key")
            return owner, key, api_key

        return await self.db.write(run)
