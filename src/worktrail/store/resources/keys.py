"""API keys: random, shown once, stored only as their SHA-256."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from worktrail.domain.actor import Actor
from worktrail.domain.errors import ToolError, invalid_field, not_found
from worktrail.domain.ids import API_KEY_PREFIX, hash_api_key, new_api_key, new_id
from worktrail.domain.oauth_tokens import GRANT_PREFIX
from worktrail.domain.permissions import check_may_manage_keys_of, check_may_mint_key_for
from worktrail.domain.roles import is_admin
from worktrail.store.audit import Origin, record, record_created
from worktrail.store.board.sessions import SESSION_PREFIX, session_actor
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.oauth.grants import grant_actor
from worktrail.store.resources import resources
from worktrail.store.rows import as_dict, filters, insert, page

# What a key looks like to a caller: never its hash.
PUBLIC_COLUMNS = "id, resource_id, name, created_at, created_by, created_by_key, last_used_at, revoked_at"


async def insert_key(
    conn: Connection, origin: Origin, resource_id: str, name: str, by_key: str | None = None
) -> tuple[dict[str, Any], str]:
    """Mint a key for a resource; return its public row and the key itself (the only time it exists).
    `by_key`: the key of the session that minted it (None from the command line)."""
    owner = await resources.require(conn, resource_id)
    if owner["status"] != "active":
        raise invalid_field("resource_id", "the resource is inactive; activate it before giving it a key")
    api_key = new_api_key()
    row = {
        "id": new_id("key"),
        "resource_id": resource_id,
        "name": name,
        "created_by": origin.actor_id,
        "created_by_key": by_key,
        "created_at": origin.at,
    }
    await insert(conn, "api_key", {**row, "key_hash": hash_api_key(api_key)})
    await record_created(conn, origin, "api_key", row["id"], version=None)
    return row, api_key


async def find_key(conn: Connection, key: str) -> dict[str, Any]:
    """A key's public row by its id, or by the key itself (looked up by its hash), or `not_found`;
    the key itself never appears in the refusal."""
    if key.startswith(API_KEY_PREFIX):
        row = await conn.fetchone(f"SELECT {PUBLIC_COLUMNS} FROM api_key WHERE key_hash = ?", (hash_api_key(key),))
        if row is None:
            raise ToolError("not_found", "No API key matches the key given (it is not one of this ledger's keys).")
    else:
        row = await conn.fetchone(f"SELECT {PUBLIC_COLUMNS} FROM api_key WHERE id = ?", (key,))
        if row is None:
            raise not_found("API key", key)
    return as_dict(row)  # type: ignore[return-value]


async def _descendants(conn: Connection, key_id: str) -> list[dict[str, Any]]:
    rows = await conn.fetchall(
        f"WITH RECURSIVE minted(id) AS (SELECT id FROM api_key WHERE created_by_key = ? "
        "UNION SELECT k.id FROM api_key k JOIN minted m ON k.created_by_key = m.id) "
        f"SELECT {PUBLIC_COLUMNS} FROM api_key WHERE id IN (SELECT id FROM minted) ORDER BY created_at, id",
        (key_id,),
    )
    return [as_dict(r) for r in rows]  # type: ignore[misc]


async def _revoke_one(conn: Connection, origin: Origin, row: dict[str, Any], action: str) -> bool:
    if row["revoked_at"] is not None:
        return False
    await conn.execute("UPDATE api_key SET revoked_at = ? WHERE id = ?", (origin.at, row["id"]))
    await record(conn, origin, "api_key", row["id"], action, {"revoked_at": [None, origin.at]})
    row["revoked_at"] = origin.at
    return True


async def revoke_key(
    conn: Connection,
    origin: Origin,
    key: str,
    check: Callable[[dict[str, Any]], None] = lambda row: None,
    *,
    with_descendants: bool = False,
) -> dict[str, Any]:
    """Revoke a key (named by its id or by the key itself) once `check` passed on its public row,
    and with `with_descendants` every key minted through it, and through those, in turn. The
    answer is the key's row with `already_revoked` (revoking again changes nothing and is safe to
    retry) and, with descendants, `revoked_descendants` (the ids this call revoked)."""
    row = await find_key(conn, key)
    check(row)
    already = not await _revoke_one(conn, origin, row, "revoke")
    answer = {**row, "already_revoked": already}
    if with_descendants:
        minted = await _descendants(conn, row["id"])
        answer["revoked_descendants"] = [m["id"] for m in minted if await _revoke_one(conn, origin, m, "revoke")]
    return answer


_ACTOR_SQL = (
    "SELECT k.id AS key_id, k.revoked_at, k.last_used_at, r.id AS resource_id, r.name, r.role, r.status "
    "FROM api_key k JOIN resource r ON r.id = k.resource_id WHERE "
)


def _actor(row: sqlite3.Row) -> Actor:
    return Actor(resource_id=row["resource_id"], name=row["name"], role=row["role"], key_id=row["key_id"])


class ActorChanged(Exception):
    """The session's resource changed (its role or name) since the session last saw it."""

    def __init__(self, actor: Actor) -> None:
        super().__init__(actor.resource_id)
        self.actor = actor


async def verified(conn: Connection, key_id: str, at: str | None = None) -> Actor:
    """The actor behind a logged-in key (or board session) as it stands now, or `session_expired`."""
    if key_id.startswith(SESSION_PREFIX):
        return await session_actor(conn, key_id, at)
    if key_id.startswith(GRANT_PREFIX):
        return await grant_actor(conn, key_id)
    row = await conn.fetchone(_ACTOR_SQL + "k.id = ?", (key_id,))
    if row is None or row["revoked_at"] is not None:
        raise ToolError("session_expired", "The API key of this session was revoked. Log in again with a valid key.")
    if row["status"] != "active":
        raise ToolError("session_expired", "The resource of this session is inactive. Log in with another key.")
    return _actor(row)


async def check_session(conn: Connection, actor: Actor, at: str | None = None) -> None:
    """`session_expired` for a revoked key, an ended board session or an inactive resource;
    `ActorChanged` when it is not `actor` any more."""
    fresh = await verified(conn, actor.key_id, at)
    if fresh != actor:
        raise ActorChanged(fresh)


class Keys:
    """The API key repository, and the checks behind a login."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, origin: Origin, actor: Actor, resource_id: str, name: str) -> tuple[dict[str, Any], str]:
        async def run(conn: Connection) -> tuple[dict[str, Any], str]:
            check_may_mint_key_for(actor, await resources.require(conn, resource_id))
            # A key names the key it was minted through; a board session or an OAuth grant is no key.
            minted_by = None if actor.key_id.startswith((SESSION_PREFIX, GRANT_PREFIX)) else actor.key_id
            return await insert_key(conn, origin, resource_id, name, minted_by)

        return await self.db.write(run)

    async def login(self, api_key: str, at: str) -> Actor:
        """The actor behind a key, or `not_authenticated`; notes when the key was last used."""

        async def run(conn: Connection) -> Actor:
            row = await conn.fetchone(_ACTOR_SQL + "k.key_hash = ?", (hash_api_key(api_key),))
            if row is None or row["revoked_at"] is not None or row["status"] != "active":
                raise ToolError(
                    "not_authenticated", "Invalid API key: it is unknown, revoked, or its resource is inactive."
                )
            if not self.db.read_only:  # a ledger opened read-only is logged into, not written
                await conn.execute("UPDATE api_key SET last_used_at = ? WHERE id = ?", (at, row["key_id"]))
            return _actor(row)

        return await (self.db.read(run) if self.db.read_only else self.db.write(run))

    async def bearer(self, api_key: str, at: str, touch_after: str) -> Actor | None:
        """The actor behind a key sent with a request (over HTTP, every request), or None for an
        unknown or revoked key or an inactive resource. A read; `last_used_at` is written only
        when it is older than `touch_after`, so a busy key costs a write a minute, not a request."""

        async def find(conn: Connection) -> tuple[Actor, str | None] | None:
            row = await conn.fetchone(_ACTOR_SQL + "k.key_hash = ?", (hash_api_key(api_key),))
            if row is None or row["revoked_at"] is not None or row["status"] != "active":
                return None
            return _actor(row), row["last_used_at"]

        found = await self.db.read(find)
        if found is None:
            return None
        actor, last_used = found
        if not self.db.read_only and (last_used is None or last_used < touch_after):
            await self.db.write(
                lambda conn: conn.execute("UPDATE api_key SET last_used_at = ? WHERE id = ?", (at, actor.key_id))
            )
        return actor

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

        async def run(conn: Connection) -> tuple[list[dict[str, Any]], int]:
            rows, total = await page(conn, "api_key", where, params, limit, offset)
            return [{k: r[k] for k in PUBLIC_COLUMNS.split(", ")} for r in rows], total

        return await self.db.read(run)

    async def revoke(self, origin: Origin, actor: Actor, key: str, with_descendants: bool = False) -> dict[str, Any]:
        """Revoke a key (and what it minted); revoking a revoked key changes nothing (safe to retry)."""

        async def run(conn: Connection) -> dict[str, Any]:
            def may(row: dict[str, Any]) -> None:
                check_may_manage_keys_of(actor, row["resource_id"])

            return await revoke_key(conn, origin, key, may, with_descendants=with_descendants)

        return await self.db.write(run)

    async def bootstrap_owner(self, origin: Origin, name: str) -> tuple[dict[str, Any], dict[str, Any], str]:
        """The first owner and its first key, unless the ledger already has an owner (`conflict`)."""

        async def run(conn: Connection) -> tuple[dict[str, Any], dict[str, Any], str]:
            if await conn.fetchone("SELECT 1 FROM resource WHERE role = 'owner' LIMIT 1"):
                raise ToolError(
                    "conflict", "This database is already initialised: it has an owner. Nothing was changed."
                )
            owner = await resources.insert_resource(conn, origin, {"type": "human", "name": name, "role": "owner"})
            key, api_key = await insert_key(
                conn, Origin(owner["id"], origin.tool, origin.at), owner["id"], "initial key"
            )
            return owner, key, api_key

        return await self.db.write(run)
