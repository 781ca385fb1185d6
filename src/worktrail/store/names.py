"""What to call an entity on a page: a person's or an endeavour's name, a task's title, and a run
by what it runs and its number there ("Nightly triage", run 3). One read for a page's ids:
a primary-key lookup per table, never a query per row."""

from __future__ import annotations

from typing import Any

from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.runs import KINDS, RunKind

# kind -> (table, the column that names it), for the entities named by a column of their own
NAMED = (("resource", "resource", "name"), ("endeavour", "endeavour", "name"), ("task", "task", "title"),
         ("ritual", "ritual", "name"), ("mission", "mission", "name"), ("workflow", "workflow", "name"))  # fmt: skip
# the prefix of the ids each kind makes (domain/ids.py's new_id); the others' ids are UUIDs
PREFIXES = {"resource": "res_", "endeavour": "edv_", "task": "tsk_", "ritual": "rtl_", "ritual_run": "rtr_"}
# a run's parent table (an execution's config_id names no table: the id is its name)
PARENT_TABLE = {"ritual_run": "ritual", "mission_run": "mission", "workflow_run": "workflow"}


def _run_sql(kind: RunKind, marks: str) -> str:
    """A run's parent, its name and its number among its parent's runs (run_numbers.py)."""
    parent_table = PARENT_TABLE.get(kind.kind)
    name = "p.name" if parent_table else f"r.{kind.parent}"
    joined = f" LEFT JOIN {parent_table} p ON p.id = r.{kind.parent}" if parent_table else ""
    return (f"SELECT r.id, r.{kind.parent} AS parent_id, {name} AS name, r.run_number "
            f"FROM {kind.table} r{joined} WHERE r.id IN ({marks})")  # fmt: skip


def _could_be(kind: str, ids: list[str]) -> list[str]:
    """The ids that may be of `kind`: a table is asked only for ids of its form."""
    prefix = PREFIXES.get(kind)
    if prefix:
        return [i for i in ids if i.startswith(prefix)]
    return [i for i in ids if not i.startswith(tuple(PREFIXES.values()))]


def _marks(ids: list[str]) -> str:
    return ", ".join("?" for _ in ids)


async def names_of(conn: Connection, ids: list[str]) -> list[dict[str, Any]]:
    wanted = list(dict.fromkeys(ids))
    found: list[dict[str, Any]] = []
    for kind, table, column in NAMED:
        if asked := _could_be(kind, wanted):
            sql = f"SELECT id, {column} AS name FROM {table} WHERE id IN ({_marks(asked)})"
            found += [{"id": row[0], "kind": kind, "name": row[1]} for row in await conn.fetchall(sql, asked)]
    for run_kind in KINDS:
        if asked := _could_be(run_kind.kind, wanted):
            for row in await conn.fetchall(_run_sql(run_kind, _marks(asked)), asked):
                found.append({"id": row[0], "kind": run_kind.kind, "parent_id": row[1], "name": row[2],
                              "number": int(row[3])})  # fmt: skip
    order = {id_: i for i, id_ in enumerate(wanted)}
    return sorted(found, key=lambda n: order[n["id"]])


class Names:
    """The names of a page's ids, for `ts.name.list` and the board."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def of(self, ids: list[str]) -> list[dict[str, Any]]:
        return await self.db.read(lambda conn: names_of(conn, ids))
