"""Versions for conditional writes: every change counts one, and a write made on a version that
is no longer current is refused with what changed since, so an agent can merge and retry."""

from __future__ import annotations

import json

from worktrail.domain.errors import ToolError
from worktrail.store.connection import Connection

# The tables whose rows carry a version (names come from code, never from a caller).
VERSIONED = frozenset({"resource", "endeavour", "task", "ritual", "ritual_run", "mission", "mission_run", "plan_step", "workflow",
                       "workflow_run", "execution"})  # fmt: skip

# Stamped on every change, so never worth naming as "changed since".
_ALWAYS_CHANGED = frozenset({"updated_at"})


async def changed_fields_since(conn: Connection, entity_id: str, version: int) -> list[str]:
    """The fields changed after `version`, from the audit trail, in the order they first changed."""
    fields: dict[str, None] = {}
    for (changes,) in await conn.fetchall(
        "SELECT changes FROM change_record WHERE entity_id = ? AND version > ? ORDER BY version, rowid",
        (entity_id, version),
    ):
        fields.update(dict.fromkeys(k for k in json.loads(changes) if k not in _ALWAYS_CHANGED))
    return list(fields)


async def check_version(conn: Connection, table: str, where: dict[str, str], expected: int) -> None:
    """`conflict` (version_mismatch) unless the row `where` names is at `expected`; a missing row
    passes (the handler says not_found in its own words)."""
    if table not in VERSIONED or not where or not all(c.replace("_", "").isalpha() for c in where):
        raise ValueError(f"{table} carries no version by {list(where)}")
    terms = " AND ".join(f"{column} = ?" for column in where)
    row = await conn.fetchone(f"SELECT id, version FROM {table} WHERE {terms}", list(where.values()))
    if row is None or row[1] == expected:
        return
    entity_id, current = row[0], int(row[1])
    kind = table.replace("_", " ")
    raise ToolError(
        "conflict",
        f"The {kind} {entity_id} is at version {current}, not {expected}: it changed since you read it. "
        f"Read it again, merge your change, and retry with expected_version {current}.",
        {
            "reason": "version_mismatch",
            "current_version": current,
            "expected_version": expected,
            "changed_fields_since": await changed_fields_since(conn, entity_id, expected),
        },
    )
