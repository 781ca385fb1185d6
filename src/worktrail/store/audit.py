"""The audit trail: one change record per mutation, written in the mutation's own transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from worktrail.domain.ids import new_id
from worktrail.store.rows import insert, to_json


@dataclass(frozen=True)
class Origin:
    """Who writes, through which tool, at what time: the parts of a change record the call knows."""

    actor_id: str | None
    tool: str
    at: str


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """`{field: [old, new]}` for every field of `after` whose value differs from `before`."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def record(
    conn: sqlite3.Connection,
    origin: Origin,
    entity_type: str,
    entity_id: str,
    action: str,
    changes: Mapping[str, list[Any]],
) -> None:
    """Write one change record."""
    insert(
        conn,
        "change_record",
        {
            "id": new_id("chg"),
            "at": origin.at,
            "actor_id": origin.actor_id,
            "tool": origin.tool,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "action": action,
            "changes": to_json(changes),
        },
    )
