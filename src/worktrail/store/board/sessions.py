"""Board sessions: opened with an API key or a one-time address, checked on every request, ended
by logout, by expiry, by revoking their key or by making their resource inactive. A session
opened with a one-time address has no key of its own: revoking any key of its resource after it
began ends it (whoever revokes the owner's keys means to shut the owner's doors).

A session acts as its resource; its id (`bss_…`) stands where a key id stands in an `Actor`, so
the registry's check on every call (`keys.verified`) sees an ended session as it sees a revoked key."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from worktrail.domain.actor import Actor
from worktrail.domain.clock import format_ts
from worktrail.domain.errors import ToolError
from worktrail.domain.ids import hash_api_key, new_id
from worktrail.store.connection import Connection
from worktrail.store.database import Database

SESSION_PREFIX = "bss_"
# What a one-time login address is good for: one use, within this long.
TICKET_TTL = timedelta(minutes=5)
# What a sign-in address an admin hands a person (`worktrail link`, the Keys page) is good for.
LINK_TTL = timedelta(minutes=15)

_SESSION_SQL = (
    "SELECT s.id AS key_id, s.expires_at, s.ended_at, k.revoked_at, r.id AS resource_id, r.name, r.role, "
    "r.status, CASE WHEN s.key_id IS NULL THEN (SELECT MAX(x.revoked_at) FROM api_key x "
    "WHERE x.resource_id = s.resource_id AND x.revoked_at >= s.created_at) END AS keys_revoked_at "
    "FROM board_session s JOIN resource r ON r.id = s.resource_id "
    "LEFT JOIN api_key k ON k.id = s.key_id WHERE "
)


def new_token() -> str:
    """A session cookie's or a one-time address's secret: 256 random bits."""
    return secrets.token_urlsafe(32)


def _why_not(row: Any, at: str | None) -> str | None:
    """Why a session row no longer logs anyone in (None: it does)."""
    if row is None or row["ended_at"] is not None:
        return "This board session has ended. Log in again."
    if at is not None and row["expires_at"] <= at:
        return "This board session has expired. Log in again."
    if row["revoked_at"] is not None:
        return "The API key of this board session was revoked. Log in again with a valid key."
    if row["keys_revoked_at"] is not None:
        return "A key of this one-time login's resource was revoked since it began. Log in again."
    if row["status"] != "active":
        return "The resource of this board session is inactive. Log in with another key."
    return None


def _check_signs_in(row: Any, resource_id: str) -> None:
    """A sign-in address is for a person: a resource that exists, is active, and is a human."""
    if row is None:
        raise ToolError("not_found", f"No resource {resource_id} in this ledger (ts.res.list shows them).")
    if row["status"] != "active":
        raise ToolError("invalid_input", f"{resource_id} ({row['name']}) is inactive: make it active first "
                        "(ts.res.update status active), or sign in someone else.")  # fmt: skip
    if row["type"] != "human":
        kind = f"an {row['type']}" if row["type"] == "agent" else f"a {row['type']}"
        raise ToolError("invalid_input", f"{resource_id} ({row['name']}) is {kind}, not a person: a "
                        "sign-in address is for people at the board; give it an API key (worktrail key create).")  # fmt: skip


def _actor(row: Any) -> Actor:
    return Actor(resource_id=row["resource_id"], name=row["name"], role=row["role"], key_id=row["key_id"])


async def session_actor(conn: Connection, session_id: str, at: str | None) -> Actor:
    """The actor of a live session as it stands now, or `session_expired`."""
    row = await conn.fetchone(_SESSION_SQL + "s.id = ?", (session_id,))
    why = _why_not(row, at)
    if why is not None:
        raise ToolError("session_expired", why)
    return _actor(row)


async def _open(conn: Connection, resource_id: str, key_id: str | None, at: datetime, ttl: timedelta) -> str:
    token = new_token()
    now = format_ts(at)
    await conn.execute("DELETE FROM board_session WHERE expires_at < ?", (now,))
    await conn.execute(
        "INSERT INTO board_session (id, token_hash, resource_id, key_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        (new_id(SESSION_PREFIX.rstrip("_")), hash_api_key(token), resource_id, key_id, now, format_ts(at + ttl)),
    )
    return token


class BoardSessions:
    """The board's sessions and one-time addresses."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def open_with_key(self, actor: Actor, at: datetime, ttl: timedelta) -> str:
        """A new session for a logged-in key's actor: its cookie token."""
        return await self.db.write(lambda conn: _open(conn, actor.resource_id, actor.key_id, at, ttl))

    async def ticket(self, at: datetime, origin: str) -> str:
        """A one-time login address's token for the ledger's owner (whoever may run worktrail on it),
        good at the board of `origin` only (`worktrail board`'s)."""
        return (await self.link(at, origin, None, TICKET_TTL))[0]

    async def link(self, at: datetime, origin: str, resource_id: str | None, ttl: timedelta) -> tuple[str, dict[str, Any]]:
        """A one-time sign-in address's token, good at the board of `origin` only, once, within
        `ttl`; and whom it signs in (id, name): a person (`resource_id`: active, human) or the owner."""

        async def run(conn: Connection) -> tuple[str, dict[str, Any]]:
            if resource_id is None:
                who = await conn.fetchone("SELECT id, name, type, status FROM resource WHERE role = 'owner' "
                                          "AND status = 'active' ORDER BY created_at, rowid LIMIT 1")  # fmt: skip
                if who is None:
                    raise ToolError("not_found", "This ledger has no active owner to log in as; run worktrail init.")
            else:
                who = await conn.fetchone("SELECT id, name, type, status FROM resource WHERE id = ?", (resource_id,))
                _check_signs_in(who, resource_id)
            token, now = new_token(), format_ts(at)
            await conn.execute("DELETE FROM board_ticket WHERE expires_at < ?", (now,))
            await conn.execute(
                "INSERT INTO board_ticket (token_hash, resource_id, created_at, expires_at, origin) "
                "VALUES (?, ?, ?, ?, ?)",
                (hash_api_key(token), who["id"], now, format_ts(at + ttl), origin),
            )
            return token, {"id": who["id"], "name": who["name"]}

        return await self.db.write(run)

    async def redeem(self, ticket: str, at: datetime, ttl: timedelta, origin: str) -> str | None:
        """A new session for a one-time address, used now at the board of `origin` (None if unknown,
        used, expired, or printed for another board's origin: then it stays unused)."""

        async def run(conn: Connection) -> str | None:
            now = format_ts(at)
            used = await conn.fetchone(
                "UPDATE board_ticket SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? "
                "AND origin = ? RETURNING resource_id",
                (now, hash_api_key(ticket), now, origin),
            )
            return None if used is None else await _open(conn, used["resource_id"], None, at, ttl)

        return await self.db.write(run)

    async def actor(self, token: str, at: datetime) -> Actor | None:
        """Who a session cookie logs in, now (None: nobody, for whatever reason)."""

        async def run(conn: Connection) -> Actor | None:
            row = await conn.fetchone(_SESSION_SQL + "s.token_hash = ?", (hash_api_key(token),))
            return None if _why_not(row, format_ts(at)) is not None else _actor(row)

        return await self.db.read(run)

    async def end(self, token: str, at: datetime) -> None:
        """Log out: the session ends for every copy of its cookie, and every process's watcher
        hears of it (its streams look at their sessions again at once)."""

        async def run(conn: Connection) -> None:
            ended = await conn.execute(
                "UPDATE board_session SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL",
                (format_ts(at), hash_api_key(token)),
            )
            if ended:
                await conn.execute("UPDATE board_session_ends SET n = n + 1")

        await self.db.write(run)
