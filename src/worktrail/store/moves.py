"""One update of one entity along its lifecycle, as every repository writes it: the move the
lifecycle allows (with its stamps), the columns as a compare-and-set on the status read, the new
version, and the change record, all in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from worktrail.domain.lifecycle import Lifecycle, transition
from worktrail.store.audit import Origin, diff, noted_change
from worktrail.store.connection import Connection
from worktrail.store.rows import encoded, update_if_status


async def apply_update(
    conn: Connection,
    origin: Origin,
    table: str,
    lifecycle: Lifecycle,
    row: Mapping[str, Any],
    changes: Mapping[str, Any],
    json_columns: Iterable[str] = (),
    action: str = "update",
    noted: Mapping[str, list[Any]] | None = None,
) -> dict[str, Any]:
    """Apply `changes` to `row` (a move when they hold a status); answer the columns written,
    `version` among them. `noted`: more to say in the change record (why the sweep moved it)."""
    values = dict(changes)
    if "status" in values:
        values.update(transition(lifecycle, row["status"], values["status"], row, origin.at))
    values["updated_at"] = origin.at
    change = noted_change(origin, table, row["id"], action, {**diff(row, values), **(noted or {})})
    version = await update_if_status(conn, table, row["id"], encoded(values, json_columns), row["status"], change)
    return {**values, "version": version}
