"""A run's number among its parent's runs (1 for the first created), kept on the run when it is
made. Counted at every read, it cost ~0.7 µs a run before it: 3.6 s to name a page of 25 runs of
a ritual run 200,000 times. Writes are one at a time on both stores (SQLite's write lock,
PostgreSQL's advisory lock), so the next number is the largest so far + 1, read on the index."""

from __future__ import annotations

from worktrail.store.connection import Connection

# (table, the column naming the run's parent), as store/runs.py's KINDS (not imported: migrations read this)
TABLES = (("ritual_run", "ritual_id"), ("mission_run", "mission_id"), ("workflow_run", "workflow_id"),
          ("execution", "config_id"))  # fmt: skip

# Migration 26: the column, the runs made before it numbered in creation order, and the index.
RUN_NUMBERS = "".join(
    f"""
ALTER TABLE {table} ADD COLUMN run_number INTEGER;
UPDATE {table} SET run_number = numbered.n FROM (
    SELECT id, ROW_NUMBER() OVER (PARTITION BY {parent} ORDER BY created_at, rowid) AS n FROM {table}
) AS numbered WHERE numbered.id = {table}.id;
CREATE INDEX {table}_run_number ON {table}({parent}, run_number);
"""
    for table, parent in TABLES
)


async def next_number(conn: Connection, table: str, parent_id: str) -> int:
    """The number of the next run of `parent_id` in `table` (inside the write that makes it)."""
    parent = dict(TABLES)[table]
    row = await conn.fetchone(f"SELECT MAX(run_number) FROM {table} WHERE {parent} = ?", (parent_id,))
    return int(row[0] or 0) + 1
