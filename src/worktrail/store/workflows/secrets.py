"""A workflow run's sensitive inputs: kept apart from the run, never answered but to an owner or
admin who asks (and is recorded asking), and erased, from disk too, when the run ends."""

from __future__ import annotations

from collections.abc import Mapping

from worktrail.store.connection import Connection

MASK = "***"


async def keep(conn: Connection, run_id: str, values: Mapping[str, str]) -> dict[str, str]:
    """Store a run's secrets (replacing any it had); answer the aliases as a run shows them."""
    await conn.execute("DELETE FROM workflow_secret WHERE run_id = ?", (run_id,))
    await conn.executemany(
        "INSERT INTO workflow_secret (run_id, alias, value) VALUES (?, ?, ?)",
        [(run_id, alias, value) for alias, value in values.items()],
    )
    return dict.fromkeys(values, MASK)


async def read(conn: Connection, run_id: str) -> dict[str, str]:
    rows = await conn.fetchall("SELECT alias, value FROM workflow_secret WHERE run_id = ? ORDER BY alias", (run_id,))
    return {alias: value for alias, value in rows}


async def erase(conn: Connection, run_id: str) -> None:
    """Delete a run's secrets, from the disk too: secure_delete zeroes their pages, and the WAL is
    truncated once this transaction commits (erasure.py). Every way a run ends comes here: its
    final move by a tool or by the sweep, and its deletion or its workflow's."""
    if await conn.execute("DELETE FROM workflow_secret WHERE run_id = ?", (run_id,)):
        conn.erases = True


async def erase_of_workflow(conn: Connection, workflow_id: str) -> None:
    """Erase the secrets of every run of a workflow about to be deleted (as `erase`)."""
    sql = "DELETE FROM workflow_secret WHERE run_id IN (SELECT id FROM workflow_run WHERE workflow_id = ?)"
    if await conn.execute(sql, (workflow_id,)):
        conn.erases = True
