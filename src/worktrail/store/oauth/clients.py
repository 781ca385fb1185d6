"""OAuth clients: registered here (RFC 7591, `ocl_…` ids), or known by the https URL of their
client ID metadata document (that URL is their id). Their metadata (redirect URIs, name, grant
types) is kept as the JSON they gave, the name to show also cleaned (domain/app_names.py); a client
secret only as its SHA-256. A registration never
used within a day is removed (anyone may register: the table must not grow without bound)."""

from __future__ import annotations

import hmac
import json
from datetime import datetime
from typing import Any

from worktrail.domain.app_names import shown_name
from worktrail.domain.clock import format_ts
from worktrail.domain.ids import hash_api_key, new_id
from worktrail.store.connection import Connection
from worktrail.store.database import Database

_COLUMNS = "id, kind, name, secret_hash, metadata, registered_from, created_at, last_used_at, fresh_until"


def _client(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    found = {name: row[name] for name in _COLUMNS.split(", ")}
    found["metadata"] = json.loads(found["metadata"])
    return found


class OAuthClients:
    """The clients that may ask a person for a grant."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def register(
        self, metadata: dict[str, Any], at: datetime, secret: str | None = None, address: str | None = None,
        client_id: str | None = None,
    ) -> str:  # fmt: skip
        """A new registered client (its id, `client_id` or a new one): `secret` for a confidential
        one (kept hashed)."""
        client_id = client_id or new_id("ocl")
        row = (client_id, "registered", shown_name(str(metadata.get("client_name") or "")), hash_api_key(secret) if secret else None,
               json.dumps(metadata, sort_keys=True), address, format_ts(at))  # fmt: skip
        await self.db.write(
            lambda conn: conn.execute(
                "INSERT INTO oauth_client (id, kind, name, secret_hash, metadata, registered_from, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )
        )
        return client_id

    async def remember_document(
        self, url: str, metadata: dict[str, Any], at: datetime, fresh_until: datetime | None = None
    ) -> None:
        """A client known by its metadata document at `url`, as fetched at `at` (replacing what was),
        usable without fetching it again until `fresh_until` (None: fetch it again when next asked).
        One statement: two processes fetching the same document at once both succeed."""
        name = shown_name(str(metadata.get("client_name") or ""))
        text, now = json.dumps(metadata, sort_keys=True), format_ts(at)
        until = None if fresh_until is None else format_ts(fresh_until)
        await self.db.write(
            lambda conn: conn.execute(
                "INSERT INTO oauth_client (id, kind, name, metadata, created_at, fresh_until) "
                "VALUES (?, 'document', ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
                "metadata = excluded.metadata, fresh_until = excluded.fresh_until WHERE oauth_client.kind = 'document'",
                (url, name, text, now, until),
            )
        )

    async def get(self, client_id: str) -> dict[str, Any] | None:
        """A client by its id (None: unknown, or removed unused)."""
        return await self.db.read(lambda conn: self._get(conn, client_id))

    @staticmethod
    async def _get(conn: Connection, client_id: str) -> dict[str, Any] | None:
        return _client(await conn.fetchone(f"SELECT {_COLUMNS} FROM oauth_client WHERE id = ?", (client_id,)))

    async def secret_matches(self, client_id: str, secret: str) -> bool:
        """Whether `secret` is the registered client's secret (compared by hash)."""
        found = await self.get(client_id)
        stored = None if found is None else found["secret_hash"]
        return stored is not None and hmac.compare_digest(stored, hash_api_key(secret))

    async def registered_since(self, address: str, since: datetime) -> int:
        """How many clients `address` registered since then (for the rate limit on registration)."""
        row = await self.db.read(
            lambda conn: conn.fetchone(
                "SELECT COUNT(*) FROM oauth_client WHERE registered_from = ? AND created_at >= ?",
                (address, format_ts(since)),
            )
        )
        return int(row[0])

    async def forget_unused(self, before: datetime) -> int:
        """Remove the clients no code or grant ever named: registered ones made before `before`
        and never used, and metadata documents whose copy went stale before `before` (anyone may
        name a document URL: those rows must not grow without bound either)."""
        cutoff = format_ts(before)
        return await self.db.write(
            lambda conn: conn.execute(
                "DELETE FROM oauth_client WHERE (kind = 'registered' AND created_at < ? AND last_used_at IS NULL "
                "OR kind = 'document' AND COALESCE(fresh_until, created_at) < ?) "
                "AND NOT EXISTS (SELECT 1 FROM oauth_grant g WHERE g.client_id = oauth_client.id) "
                "AND NOT EXISTS (SELECT 1 FROM oauth_code c WHERE c.client_id = oauth_client.id)",
                (cutoff, cutoff),
            )
        )
