"""The write of an update as one parameterised statement: a server-side function per table.

An update on PostgreSQL read its row, decided in Python, then wrote in a transaction of its own
round trips: BEGIN with the ledger's write lock and the session key's re-check, the
compare-and-set with its change record, COMMIT. The function below does that whole write in one
statement, called in its own implicit transaction (`SELECT * FROM worktrail_update_task($1, ...)`):

1. the ledger's write lock (`pg_advisory_xact_lock`, waiting at most the busy timeout), as every
   write takes it (database.py);
2. the re-check of the session's API key after the lock, the question key_check.py asks (its
   values as parameters here); the key not as the session knows it: 0, nothing written;
3. the compare-and-set on the row exactly as Python read it: its status, its version and its
   `xmin` (the transaction that wrote this version of the row: any write to it since, a lease's
   renewal or a dependant's count too, which keep the version, makes another); not as read: NULL,
   nothing written;
4. the values Python gives (a JSON object of columns; the others keep theirs) and the version
   counted, then the change record Python gives, with that version.

It answers the new version and the row's new `xmin` (so that a process may keep the row it wrote
and decide its next update on it: read_first.py). The lifecycle stays in Python: the function compares what it is
given and writes what it is given, and knows no state, move or stamp.

Title and description are set only when given: the search entry's trigger fires on an UPDATE that
names either column (postgresql/search.py), changed or not.

The text of a migration never changes (migrations are append-only): a later change to a table's
columns that an update may write makes a new step that replaces the function, and changes
its tuple of columns with it; read_first.py keeps an update that writes any other column on the
usual way meanwhile.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The task columns an update may write, as migration 32 made worktrail_update_task (never change
# this tuple: a new migration step replaces the function; read_first.py checks every write against it).
TASK_WRITES = ("title", "description", "status", "endeavour_id", "assignee_id", "estimate", "actual", "due_date",
               "metadata", "updated_at", "started_at", "completed_at", "canceled_at", "canceled_reason",
               "lease_holder_id", "lease_expires_at", "lease_seconds")  # fmt: skip
# The ritual run columns an update may write, as migration 33 made worktrail_update_ritual_run (the same rule).
RITUAL_RUN_WRITES = ("status", "result_summary", "effects", "error", "metadata", "finished_at", "updated_at")
# The change record's columns, as migration 32 made the function insert them (its version added).
CHANGE_COLUMNS = ("at", "actor_id", "tool", "entity_type", "entity_id", "action", "changes", "via")
# Set only when given (the search entry's trigger: see above).
_SEARCHED = ("title", "description")


def _update(table: str, columns: tuple[str, ...]) -> str:
    listed = ", ".join([*columns, "version"])
    read = ", ".join([*(f"given.{column}" for column in columns), "t.version + 1"])
    return (f"UPDATE {table} AS t SET ({listed}) = (SELECT {read} FROM jsonb_populate_record(t, p_values) AS given)\n"
            "        WHERE t.id = p_id AND t.status = p_status AND t.version = p_version AND t.xmin = p_xmin::xid\n"
            "        RETURNING t.version, t.xmin::text INTO made, made_xmin;")  # fmt: skip


def function_text(name: str, table: str, writes: tuple[str, ...], searched: tuple[str, ...] = ()) -> str:
    """CREATE FUNCTION `name`: the write of an update of `table` that may set `writes` (those in
    `searched` only when given), as the module says."""
    unsearched = tuple(column for column in writes if column not in searched)
    both = f"""    IF p_values ?| ARRAY[{', '.join(f"'{column}'" for column in searched)}] THEN
        {_update(table, (*searched, *unsearched))}
    ELSE
        {_update(table, unsearched)}
    END IF;"""
    return f"""
CREATE FUNCTION {name}(p_lock BIGINT, p_wait_ms INTEGER, p_key_id TEXT, p_resource_id TEXT, p_role TEXT,
                       p_name TEXT, p_id TEXT, p_status TEXT, p_version BIGINT, p_xmin TEXT, p_values JSONB,
                       p_change JSONB, OUT made BIGINT, OUT made_xmin TEXT) LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('lock_timeout', p_wait_ms::text, true);
    PERFORM pg_advisory_xact_lock(p_lock);
    IF p_key_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM api_key k JOIN resource r ON r.id = k.resource_id
        WHERE k.id = p_key_id AND k.revoked_at IS NULL AND r.status = 'active' AND r.id = p_resource_id
          AND r.role = p_role AND r.name = p_name) THEN
        made := 0;
        RETURN;
    END IF;
{both if searched else '    ' + _update(table, unsearched)}
    IF made IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO change_record ({', '.join([*CHANGE_COLUMNS, 'version'])})
        SELECT {', '.join(f'c.{column}' for column in CHANGE_COLUMNS)}, made
        FROM jsonb_populate_record(NULL::change_record, p_change) AS c;
END
$$;
"""


# Migrations 32 and 33, PostgreSQL's way (migrations.TASK_UPDATE_FUNCTION and RUN_UPDATE_FUNCTION say nothing to SQLite).
UPDATE_TASK = function_text("worktrail_update_task", "task", TASK_WRITES, _SEARCHED)
UPDATE_RITUAL_RUN = function_text("worktrail_update_ritual_run", "ritual_run", RITUAL_RUN_WRITES)


@dataclass(frozen=True)
class UpdateFunction:
    """A table's update function: its name and the columns it may write."""

    name: str
    writes: frozenset[str]

    @property
    def call(self) -> str:
        return f"SELECT * FROM {self.name}($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::jsonb)"


FUNCTIONS = {"task": UpdateFunction("worktrail_update_task", frozenset(TASK_WRITES)),
             "ritual_run": UpdateFunction("worktrail_update_ritual_run", frozenset(RITUAL_RUN_WRITES))}


def as_json(values: Mapping[str, Any]) -> str | None:
    """The values as the function's JSON object; None for a value JSON cannot say exactly (then the
    usual way writes it)."""
    if any(not isinstance(value, str | int | float | type(None)) or isinstance(value, bool) for value in values.values()):
        return None
    try:
        return json.dumps(values, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    except ValueError:
        return None
