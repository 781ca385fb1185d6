"""OAuth grants and what makes and ends them: the authorization code of an approved request (single
use, 60 s, kept hashed; used again, it revokes the grant it became), the grant it becomes (a
person, a client, a scope, the resource its tokens are bound to), and the grant's tokens (access:
1 hour; refresh: rotated on every use, with the grace and replay rule of domain/oauth_tokens.py).
A token acts as its person with the grant's scope cut down to the person's role as it stands,
and only while the grant stands and the person is active: revoking a grant ends every token of
it at the next request, in every process."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from worktrail.domain.actor import Actor
from worktrail.domain.app_names import app_host, shown_name
from worktrail.domain.clock import format_ts, parse_ts
from worktrail.domain.errors import ToolError
from worktrail.domain.ids import hash_api_key, new_id
from worktrail.domain.oauth_tokens import (
    ACCESS_PREFIX,
    ACCESS_TTL,
    CODE_TTL,
    GRANT_PREFIX,
    REFRESH_PREFIX,
    new_code,
    new_token,
    refresh_use,
)  # fmt: skip
from worktrail.domain.scopes import acting_role
from worktrail.store.audit import Origin, record
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.rows import as_dict

# How long a used or expired code is kept, to know a replay of it for what it is.
CODES_KEPT = timedelta(days=1)
GRANT_COLUMNS = "g.id, g.resource_id, g.client_id, g.scope, g.audience, g.created_at, g.last_used_at, g.revoked_at"


@dataclass(frozen=True)
class Issued:
    """A new token pair of a grant (the only time the tokens exist in the clear)."""

    grant: dict[str, Any]
    access_token: str
    refresh_token: str
    expires_in: int


# Who a live access token acts as: the token and its person, as a key's check reads the key and its
# person. An access token carries what it needs of its grant (migration 24), and a grant's revocation
# deletes its access tokens (_revoke), so that the check reads no grant row.
# Its columns are read by position (unpacked in `bearer`): a row's value by name is a search of its
# names, ten of which were a twentieth of the whole check.
BEARER_SQL = (
    "SELECT t.grant_id, t.client_id, t.scope, t.audience, t.last_used_at, t.expires_at, r.id, "
    "r.name, r.role, t.client_name FROM oauth_token t JOIN resource r ON r.id = t.resource_id "
    "WHERE t.token_hash = ? AND t.kind = 'access' AND t.expires_at > ? AND r.status = 'active'"
)


@dataclass(slots=True)  # made on every request with a token: not frozen, whose __init__ takes 5 times as long
class Bearer:
    """Who an access token acts as, for which client and resource, until when; `person_role`:
    the person's own role (the actor's is the grant's scope cut down to it)."""

    actor: Actor
    client_id: str
    client_name: str
    scope: str
    audience: str
    expires: str  # as stored (RFC 3339): parsed only when asked, not on every request's check
    person_role: str

    @property
    def expires_at(self) -> datetime:
        return parse_ts(self.expires)


async def _grant(conn: Connection, grant_id: str) -> dict[str, Any]:
    row = await conn.fetchone(f"SELECT {GRANT_COLUMNS} FROM oauth_grant g WHERE g.id = ?", (grant_id,))
    return {k.removeprefix("g."): row[k.removeprefix("g.")] for k in GRANT_COLUMNS.split(", ")}


async def _pair(conn: Connection, grant_id: str, at: datetime) -> Issued:
    """A new access and refresh token for a grant; the grant's expired access tokens go."""
    now = format_ts(at)
    access, refresh = new_token(ACCESS_PREFIX), new_token(REFRESH_PREFIX)
    await conn.execute("DELETE FROM oauth_token WHERE grant_id = ? AND kind = 'access' AND expires_at < ?", (grant_id, now))
    await conn.execute(
        "INSERT INTO oauth_token (token_hash, grant_id, kind, created_at, expires_at, resource_id, scope, audience, "
        "client_id, client_name) SELECT ?, id, 'access', ?, ?, resource_id, scope, audience, client_id, client_name "
        "FROM oauth_grant WHERE id = ?",
        (hash_api_key(access), now, format_ts(at + ACCESS_TTL), grant_id),
    )  # fmt: skip
    await conn.execute(
        "INSERT INTO oauth_token (token_hash, grant_id, kind, created_at, expires_at) VALUES (?, ?, 'refresh', ?, NULL)",
        (hash_api_key(refresh), grant_id, now),
    )
    return Issued(await _grant(conn, grant_id), access, refresh, int(ACCESS_TTL.total_seconds()))


async def _revoke(conn: Connection, grant_id: str, at: str) -> bool:
    """Revoke a grant; its access tokens go with it (the check reads no grant row: BEARER_SQL)."""
    await conn.execute("DELETE FROM oauth_token WHERE grant_id = ? AND kind = 'access'", (grant_id,))
    return bool(await conn.execute("UPDATE oauth_grant SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                                   (at, grant_id)))  # fmt: skip


class OAuthGrants:
    """Codes, grants and tokens."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def issue_code(
        self, client_id: str, resource_id: str, scope: str, audience: str, challenge: str, redirect_uri: str,
        redirect_uri_explicit: bool, at: datetime,
    ) -> str:  # fmt: skip
        """The code of a request the person approved (the only time it exists in the clear)."""
        code, now = new_code(), format_ts(at)

        async def run(conn: Connection) -> str:
            await conn.execute("DELETE FROM oauth_code WHERE expires_at < ?", (format_ts(at - CODES_KEPT),))
            await conn.execute(
                "INSERT INTO oauth_code (code_hash, client_id, resource_id, scope, audience, code_challenge, redirect_uri, "
                "redirect_uri_explicit, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (hash_api_key(code), client_id, resource_id, scope, audience, challenge, redirect_uri,
                 int(redirect_uri_explicit), now, format_ts(at + CODE_TTL)),
            )  # fmt: skip
            return code

        return await self.db.write(run)

    async def code(self, code: str, client_id: str, at: datetime) -> dict[str, Any] | None:
        """A code of `client_id` that may still be redeemed (its row), or None: unknown, expired,
        another client's, or used already (then the grant it became is revoked: a replay)."""

        async def run(conn: Connection) -> dict[str, Any] | None:
            row = await conn.fetchone(
                "SELECT client_id, resource_id, scope, audience, code_challenge, redirect_uri, redirect_uri_explicit, "
                "expires_at, used_at, grant_id FROM oauth_code WHERE code_hash = ?",
                (hash_api_key(code),),
            )
            if row is None or row["client_id"] != client_id:
                return None
            if row["used_at"] is not None:
                if row["grant_id"] is not None:
                    await _revoke(conn, row["grant_id"], format_ts(at))
                return None
            if row["expires_at"] <= format_ts(at):
                return None
            return {k: row[k] for k in ("client_id", "resource_id", "scope", "audience", "code_challenge",
                                        "redirect_uri", "redirect_uri_explicit", "expires_at")}  # fmt: skip

        return await self.db.write(run)

    async def redeem(self, code: str, client_id: str, at: datetime) -> Issued | None:
        """The code, used now, becomes a grant with its first token pair; None if it cannot be
        (expired, another client's, or used meanwhile by another request: then the grant that
        request made is revoked, as for any second use)."""

        async def run(conn: Connection) -> Issued | None:
            now = format_ts(at)
            used = await conn.fetchone(
                "UPDATE oauth_code SET used_at = ? WHERE code_hash = ? AND client_id = ? AND used_at IS NULL "
                "AND expires_at > ? RETURNING resource_id, scope, audience",
                (now, hash_api_key(code), client_id, now),
            )
            if used is None:  # the loser of two redemptions at once revokes too: the code was used twice
                won = await conn.fetchone("SELECT grant_id FROM oauth_code WHERE code_hash = ? AND client_id = ? AND "
                                          "used_at IS NOT NULL", (hash_api_key(code), client_id))  # fmt: skip
                if won is not None and won["grant_id"] is not None:
                    await _revoke(conn, won["grant_id"], now)
                return None
            grant_id = new_id(GRANT_PREFIX.rstrip("_"))
            # The app's name as approved (its id when it gave none) goes on the grant: what "via" names.
            await conn.execute(
                "INSERT INTO oauth_grant (id, resource_id, client_id, scope, audience, created_at, client_name) "
                "SELECT ?, ?, ?, ?, ?, ?, COALESCE(NULLIF(name, ''), id) FROM oauth_client WHERE id = ?",
                (grant_id, used["resource_id"], client_id, used["scope"], used["audience"], now, client_id),
            )
            await conn.execute("UPDATE oauth_code SET grant_id = ? WHERE code_hash = ?", (grant_id, hash_api_key(code)))
            await conn.execute("UPDATE oauth_client SET last_used_at = ? WHERE id = ?", (now, client_id))
            return await _pair(conn, grant_id, at)

        return await self.db.write(run)

    async def was_used(self, code: str, client_id: str) -> bool:
        """Whether a code of `client_id` was redeemed already (so that a refusal can say so)."""
        row = await self.db.read(lambda conn: conn.fetchone(
            "SELECT used_at FROM oauth_code WHERE code_hash = ? AND client_id = ?", (hash_api_key(code), client_id)))  # fmt: skip
        return row is not None and row["used_at"] is not None

    async def refresh_grant(self, token: str, client_id: str) -> dict[str, Any] | None:
        """The standing grant of a refresh token of `client_id` (None: unknown, another client's, or
        its grant revoked or its person inactive). Whether this use is allowed is `refresh`'s to say."""
        return as_dict(await self.db.read(lambda conn: _refresh_row(conn, token, client_id)))

    async def refresh(self, token: str, client_id: str, at: datetime) -> Issued | None:
        """Rotate a refresh token: a new pair, on its first use or within the grace after it; a use
        after the grace is a replay, which revokes the grant (None then, as for a token unknown)."""

        async def run(conn: Connection) -> Issued | None:
            row = await _refresh_row(conn, token, client_id)
            if row is None:
                return None
            use = refresh_use(None if row["rotated_at"] is None else parse_ts(row["rotated_at"]), at)
            if use == "replay":
                await _revoke(conn, row["id"], format_ts(at))
                return None
            if use == "rotate":
                await conn.execute("UPDATE oauth_token SET rotated_at = ? WHERE token_hash = ? AND rotated_at IS NULL",
                                   (format_ts(at), hash_api_key(token)))  # fmt: skip
            return await _pair(conn, row["id"], at)

        return await self.db.write(run)

    async def bearer(self, token: str, at: datetime, touch_after: datetime) -> Bearer | None:
        """Who a live access token acts as now (None: unknown, expired, its grant revoked or its
        person inactive). A read; the grant's `last_used_at` is written at most once a `touch_after`."""

        async def find(conn: Connection) -> Any:
            return await conn.fetchone(BEARER_SQL, (hash_api_key(token), now))

        now = format_ts(at)
        row = await self.db.read(find)
        if row is None:
            return None
        grant_id, client_id, scope, audience, last_used_at, expires_at, resource_id, name, role, client_name = row
        if not self.db.read_only and (last_used_at is None or last_used_at < format_ts(touch_after)):

            async def touch(conn: Connection) -> None:
                await conn.execute("UPDATE oauth_token SET last_used_at = ? WHERE token_hash = ?", (now, hash_api_key(token)))
                await conn.execute("UPDATE oauth_grant SET last_used_at = ? WHERE id = ?", (now, grant_id))

            await self.db.write(touch)
        actor = Actor(resource_id=resource_id, name=name, role=acting_role(scope, role), key_id=grant_id, via=client_name)
        return Bearer(actor, client_id, client_name, scope, audience, expires_at, role)

    async def revoke_token(self, token: str, at: datetime) -> None:
        """Revoke the grant an access or refresh token belongs to (RFC 7009: an unknown token is no error)."""

        async def run(conn: Connection) -> None:
            row = await conn.fetchone("SELECT grant_id FROM oauth_token WHERE token_hash = ?", (hash_api_key(token),))
            if row is not None:
                await _revoke(conn, row["grant_id"], format_ts(at))

        await self.db.write(run)

    async def revoke(self, origin: Origin, grant_id: str) -> bool:
        """Revoke a grant: every token of it is refused from the next request on (False: it was
        already). A person's revocation, so audited as a key's is, in the same transaction."""

        async def run(conn: Connection) -> bool:
            if not await _revoke(conn, grant_id, origin.at):
                return False
            await record(conn, origin, "oauth_grant", grant_id, "revoke", {"revoked_at": [None, origin.at]})
            return True

        return await self.db.write(run)

    async def get(self, grant_id: str) -> dict[str, Any] | None:
        """A grant (revoked or not) with its client's name, or None."""
        row = await self.db.read(lambda conn: conn.fetchone(f"{_WITH_CLIENT} WHERE g.id = ?", (grant_id,)))
        return None if row is None else _shown(row)

    async def list(self, resource_id: str | None = None) -> list[dict[str, Any]]:
        """The grants standing (newest first), each with its client's name, whether it is verified
        (known by its metadata document) and its host; one person's, or all."""
        where, params = ("AND g.resource_id = ?", (resource_id,)) if resource_id else ("", ())
        rows = await self.db.read(lambda conn: conn.fetchall(
            f"{_WITH_CLIENT} WHERE g.revoked_at IS NULL {where} ORDER BY g.created_at DESC, g.id DESC", params))  # fmt: skip
        return [_shown(r) for r in rows]


_WITH_CLIENT = (f"SELECT {GRANT_COLUMNS}, c.name AS client_name, c.kind AS client_kind, c.metadata AS client_metadata "
                "FROM oauth_grant g JOIN oauth_client c ON c.id = g.client_id")  # fmt: skip


def _shown(row: Any) -> dict[str, Any]:
    """A grant with its app as people are shown it (a name stored before names were cleaned, cleaned)."""
    found = as_dict(row, ["client_metadata"]) or {}
    kind, metadata = found.pop("client_kind"), found.pop("client_metadata")
    return {**found, "client_name": shown_name(found["client_name"] or ""), "verified": kind == "document",
            "client_host": app_host(kind, found["client_id"], metadata)}  # fmt: skip


async def end_grants_of(conn: Connection, resource_id: str, at: str) -> int:
    """Revoke every standing grant of a person (made inactive: their apps' access ends for good,
    and coming back, they sign in from each app again); how many there were."""
    await conn.execute("DELETE FROM oauth_token WHERE kind = 'access' AND grant_id IN "
                       "(SELECT id FROM oauth_grant WHERE resource_id = ?)", (resource_id,))  # fmt: skip
    return await conn.execute("UPDATE oauth_grant SET revoked_at = ? WHERE resource_id = ? AND revoked_at IS NULL",
                              (at, resource_id))  # fmt: skip


async def grant_actor(conn: Connection, grant_id: str) -> Actor:
    """The actor a grant acts as now (its scope cut to its person's role), or `session_expired`
    once the grant is revoked or its person inactive: the registry's check on every call."""
    row = await conn.fetchone(
        "SELECT g.scope, g.revoked_at, g.client_name, r.id AS resource_id, r.name, r.role, r.status "
        "FROM oauth_grant g JOIN resource r ON r.id = g.resource_id WHERE g.id = ?",
        (grant_id,),
    )
    if row is None or row["revoked_at"] is not None:
        raise ToolError("session_expired", "This app's access was revoked. Sign in from the app again.")
    if row["status"] != "active":
        raise ToolError("session_expired", "The person this app acts for is inactive.")
    return Actor(resource_id=row["resource_id"], name=row["name"], role=acting_role(row["scope"], row["role"]),
                 key_id=grant_id, via=row["client_name"])  # fmt: skip


async def _refresh_row(conn: Connection, token: str, client_id: str) -> Any:
    row = await conn.fetchone(
        "SELECT g.id, g.client_id, g.scope, g.audience, g.resource_id, t.rotated_at FROM oauth_token t "
        "JOIN oauth_grant g ON g.id = t.grant_id JOIN resource r ON r.id = g.resource_id "
        "WHERE t.token_hash = ? AND t.kind = 'refresh' AND g.revoked_at IS NULL AND r.status = 'active'",
        (hash_api_key(token),),
    )
    return row if row is not None and hmac.compare_digest(row["client_id"], client_id) else None
