"""What the operator does from the command line, as whoever can write the database file: find
the owner, mint or revoke a key without a login (a lost key must not lock a ledger for good),
check the file's health."""

from __future__ import annotations

from typing import Any

from worktrail.domain.errors import ToolError
from worktrail.store import audit_creates as creates
from worktrail.store.audit import Origin
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.health import DEPENDENCIES_OUT_OF_STEP
from worktrail.store.migrations import SCHEMA_VERSION
from worktrail.store.relations.dependencies import miscounted, recount
from worktrail.store.resources.keys import insert_key, revoke_key
from worktrail.store.rows import as_dict

# The tables `worktrail check` counts, in the order it prints them.
COUNTED = ("resource", "api_key", "endeavour", "task", "ritual", "ritual_run", "mission", "mission_run",
           "plan_step", "mission_event", "workflow", "workflow_run", "attachment", "execution", "relation", "change_record")  # fmt: skip


async def _owner(conn: Connection) -> dict[str, Any] | None:
    row = await conn.fetchone(
        "SELECT * FROM resource WHERE role = 'owner' AND status = 'active' ORDER BY created_at, rowid LIMIT 1"
    )
    return as_dict(row)


class Maintenance:
    """Operator actions that need the file, not a key."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def owner(self) -> dict[str, Any] | None:
        """The ledger's first active owner, or None for a ledger nobody has initialised."""
        return await self.db.read(_owner)

    async def mint_key(self, origin: Origin, resource_id: str | None, name: str) -> tuple[dict[str, Any], str]:
        """A new key for `resource_id`, or for the owner when None; the key itself is returned once."""

        async def run(conn: Connection) -> tuple[dict[str, Any], str]:
            target = resource_id
            if target is None:
                owner = await _owner(conn)
                if owner is None:
                    raise ToolError("not_found", "This ledger has no active owner; run worktrail init first.")
                target = owner["id"]
            return await insert_key(conn, origin, target, name)

        return await self.db.write(run)

    async def revoke_key(self, origin: Origin, key: str, with_descendants: bool = False) -> dict[str, Any]:
        """Revoke any key, by its id or the key itself (revoking a revoked key changes nothing)."""
        return await self.db.write(lambda conn: revoke_key(conn, origin, key, with_descendants=with_descendants))

    async def keys(self) -> list[dict[str, Any]]:
        """Every API key, newest first, with its resource's name and role (never the key or its hash)."""
        sql = (
            "SELECT k.id, k.name, r.role, k.resource_id, r.name AS resource_name, k.created_at, k.last_used_at, "
            "k.revoked_at, k.created_by_key FROM api_key k JOIN resource r ON r.id = k.resource_id "
            "ORDER BY k.created_at DESC, k.rowid DESC"
        )

        async def run(conn: Connection) -> list[dict[str, Any]]:
            return [dict(row) for row in await conn.fetchall(sql)]

        return await self.db.read(run)

    async def check(self) -> dict[str, Any]:
        """The store's own check, the schema version, the owner and the row counts:
        `{sound, problems, notes, schema_version, counts}`."""

        async def run(conn: Connection) -> tuple[bool, dict[str, int], int]:
            counts = {t: (await conn.fetchone(f"SELECT COUNT(*) FROM {t}"))[0] for t in COUNTED}
            # What ts.aud.list lists: the stored records and the task creates kept on their rows.
            counts["audit_trail"] = await creates.export_count(conn, None)
            return await _owner(conn) is not None, counts, await miscounted(conn)

        found = await self.db.health()
        owned, counts, wrong = await self.db.read(run, patient=True)
        problems = list(found.problems)
        if wrong:
            problems.append(f"{DEPENDENCIES_OUT_OF_STEP} ({wrong} tasks): count them again with worktrail check --repair")
        if found.schema_version != SCHEMA_VERSION:
            problems.append(f"schema version {found.schema_version}, expected {SCHEMA_VERSION}")
        if not owned:
            problems.append("it has no owner: not a usable ledger; set it up with worktrail init")
        report = {"sound": not problems, "problems": problems, "schema_version": found.schema_version}
        return {**report, "counts": counts, **({"notes": found.notes} if found.notes else {})}

    async def recount_dependencies(self) -> int:
        """Count every task's open dependencies again from its relations (what `check --repair`
        does when they are out of step); how many tasks changed."""
        return await self.db.write(recount, patient=True)

    async def rebuild_search_index(self) -> None:
        """Rebuild the task search index from the tasks (what `check --repair` does)."""
        await self.db.rebuild_search_index()
