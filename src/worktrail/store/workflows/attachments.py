"""A workflow run's files: input files it is given and output files it makes, kept in SQLite,
read back in chunks."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from worktrail.domain.actor import Actor
from worktrail.domain.deletions import ATTACHMENT
from worktrail.domain.errors import not_found
from worktrail.domain.ids import new_uuid
from worktrail.store.audit import Origin, record, record_created
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.deletions import check
from worktrail.store.rows import as_dict, insert
from worktrail.store.workflows.runs import require as require_run

# What an attachment answers with: never its content.
_COLUMNS = "id, run_id, kind, filename, content_type, size_bytes, sha256, created_at"


async def _require(conn: Connection, attachment_id: str) -> dict[str, Any]:
    row = await conn.fetchone(f"SELECT {_COLUMNS} FROM attachment WHERE id = ?", (attachment_id,))
    if row is None:
        raise not_found("attachment", attachment_id)
    return as_dict(row)  # type: ignore[return-value]


class Attachments:
    """The attachment repository."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, origin: Origin, values: Mapping[str, Any], content: bytes) -> dict[str, Any]:
        async def run(conn: Connection) -> dict[str, Any]:
            await require_run(conn, values["run_id"])
            row = {"id": new_uuid(), **values, "size_bytes": len(content),
                   "sha256": hashlib.sha256(content).hexdigest(), "created_by": origin.actor_id,
                   "created_at": origin.at}  # fmt: skip
            await insert(conn, "attachment", {**row, "content": content})
            await record_created(conn, origin, "attachment", row["id"], version=None)
            return await _require(conn, row["id"])

        return await self.db.write(run)

    async def get(self, attachment_id: str) -> dict[str, Any]:
        return await self.db.read(lambda conn: _require(conn, attachment_id))

    async def read(self, attachment_id: str, offset: int, length: int) -> tuple[bytes, bool]:
        """`length` bytes from `offset`, and whether they reach the end."""

        async def run(conn: Connection) -> tuple[bytes, bool]:
            found = await conn.fetchone(
                "SELECT substr(content, ?, ?), size_bytes FROM attachment WHERE id = ?",
                (offset + 1, length, attachment_id),
            )
            if found is None:
                raise not_found("attachment", attachment_id)
            chunk = bytes(found[0] or b"")
            return chunk, offset + len(chunk) >= found[1]

        return await self.db.read(run)

    async def list(self, run_id: str, kind: str | None) -> list[dict[str, Any]]:
        async def run(conn: Connection) -> list[dict[str, Any]]:
            await require_run(conn, run_id)
            extra, params = (" AND kind = ?", [kind]) if kind else ("", [])
            rows = await conn.fetchall(
                f"SELECT {_COLUMNS} FROM attachment WHERE run_id = ?{extra} ORDER BY created_at, rowid",
                [run_id, *params],
            )
            return [as_dict(r) for r in rows]  # type: ignore[misc]

        return await self.db.read(run)

    async def delete(self, origin: Origin, actor: Actor, attachment_id: str) -> dict[str, Any]:
        """Remove an attachment (an owner's, an admin's or its creator's to remove)."""

        async def run(conn: Connection) -> dict[str, Any]:
            row = await _require(conn, attachment_id)
            creator = await conn.fetchone("SELECT created_by FROM attachment WHERE id = ?", (attachment_id,))
            await check(conn, actor, ATTACHMENT, {**row, "created_by": creator[0]})
            await conn.execute("DELETE FROM attachment WHERE id = ?", (attachment_id,))
            await record(conn, origin, "attachment", attachment_id, "delete", {"filename": [row["filename"], None]})
            return {"id": attachment_id, "deleted": True}

        return await self.db.write(run)
