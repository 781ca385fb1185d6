"""The task table's columns that hold JSON, for whatever reads task rows: a module of its own so
that the stale-run sweep reads them without importing the task repository (which a server
imports at the first call of a task tool, not at start: tests/test_cold_start.py)."""

JSON_COLUMNS = ("metadata",)
