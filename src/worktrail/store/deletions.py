"""Every delete's check against the ledger (domain/deletions.py says what it is): who may, and no
unfinished run in the way, read in the delete's own transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from worktrail.domain.actor import Actor
from worktrail.domain.deletions import Deletion, check_delete
from worktrail.store.connection import Connection


async def check(
    conn: Connection, actor: Actor, deletion: Deletion, entity: Mapping[str, Any], runs: tuple[str, str] | None = None
) -> None:
    """Raise unless `actor` may delete `entity` now. `runs`: the table of the entity's runs and its
    column naming the entity; a run (`deletion.is_run`) is judged by its own status."""
    busy: list[tuple[str, str]] = []
    if deletion.is_run and entity["status"] in deletion.unfinished:
        busy = [(entity["id"], entity["status"])]
    elif runs is not None and deletion.unfinished:
        table, column = runs
        marks = ", ".join("?" for _ in deletion.unfinished)
        found = await conn.fetchall(
            f"SELECT id, status FROM {table} WHERE {column} = ? AND status IN ({marks}) ORDER BY created_at, rowid",
            (entity["id"], *deletion.unfinished),
        )
        busy = [(row[0], row[1]) for row in found]
    check_delete(actor, deletion, entity, busy)
