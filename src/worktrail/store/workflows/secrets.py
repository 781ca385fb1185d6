"""A workflow run's sensitive inputs: kept apart from the run, never answered but to an owner or
admin who asks (and is recorded asking), and erased, from disk too, when the run ends."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

MASK = "***"


def keep(conn: sqlite3.Connection, run_id: str, values: Mapping[str, str]) -> dict[str, str]:
    """Store a run's secrets (replacing any it had); answer the aliases as a run shows them."""
    conn.execute("DELETE FROM workflow_secret WHERE run_id = ?", (run_id,))
    conn.executemany(
        "INSERT INTO workflow_secret (run_id, alias, value) VALUES (?, ?, ?)",
        [(run_id, alias, value) for alias, value in values.items()],
    )
    return dict.fromkeys(values, MASK)


def read(conn: sqlite3.Connection, run_id: str) -> dict[str, str]:
    rows = conn.execute("SELECT alias, value FROM workflow_secret WHERE run_id = ? ORDER BY alias", (run_id,))
    return {alias: value for alias, value in rows}


def erase(conn: sqlite3.Connection, run_id: str) -> bool:
    """Delete a run's secrets (secure_delete zeroes their pages); True when there were any, and the
    caller must then have the WAL truncated after its commit (`Database.erase_after_commit`)."""
    return conn.execute("DELETE FROM workflow_secret WHERE run_id = ?", (run_id,)).rowcount > 0
