"""Idempotency keys: the answer of a keyed write, kept so that a retry gets it instead of a
second effect. A key is scoped to the caller's resource and the tool's canonical name."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.rows import to_json


@dataclass(frozen=True)
class Scope:
    """Whose key, for which tool."""

    resource_id: str
    tool: str
    key: str


@dataclass(frozen=True)
class Stored:
    """What the first call with a key did: its arguments' digest, its answer, when."""

    digest: str
    answer: dict[str, Any]
    created_at: str


async def find(conn: Connection, scope: Scope, kept_since: str) -> Stored | None:
    """The stored answer for `scope`, unless it is older than `kept_since` (then it is forgotten
    here, in the caller's transaction, and the key counts as new)."""
    row = await conn.fetchone(
        "SELECT digest, answer, created_at FROM idempotency_key WHERE resource_id = ? AND tool = ? AND key = ?",
        (scope.resource_id, scope.tool, scope.key),
    )
    if row is None:
        return None
    if row["created_at"] < kept_since:
        await forget(conn, scope)
        return None
    return Stored(row["digest"], json.loads(row["answer"]), row["created_at"])


async def forget(conn: Connection, scope: Scope) -> None:
    await conn.execute(
        "DELETE FROM idempotency_key WHERE resource_id = ? AND tool = ? AND key = ?",
        (scope.resource_id, scope.tool, scope.key),
    )


async def save(conn: Connection, scope: Scope, digest: str, answer: dict[str, Any], at: str) -> None:
    """Keep the answer of the first call with this key (in that call's own transaction)."""
    await conn.execute(
        "INSERT INTO idempotency_key (resource_id, tool, key, digest, answer, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (scope.resource_id, scope.tool, scope.key, digest, to_json(answer), at),
    )


class Replays:
    """The kept keys, as the serving process prunes them."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def prune(self, kept_since: str) -> int:
        """Forget every key first used before `kept_since`; answer how many."""
        return await self.db.write(
            lambda conn: conn.execute("DELETE FROM idempotency_key WHERE created_at < ?", (kept_since,)),
            patient=True,  # a day's keys at once: off the event loop
        )
