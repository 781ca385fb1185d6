"""`worktrail check` on SQLite: the file's integrity and foreign keys, its schema version, and
FTS5's own check of the task search index (kept by rowid, which a manual VACUUM may renumber)."""

from __future__ import annotations

import sqlite3
from typing import Protocol, TypeVar

from worktrail.store.connection import Connection, Unit
from worktrail.store.health import REBUILD_HINT, Health

T = TypeVar("T")


class Checked(Protocol):
    """What of the SQLite database these checks use (database.py imports this module)."""

    async def read(self, fn: Unit[T], *, patient: bool = False) -> T: ...

    async def write(self, fn: Unit[T], *, patient: bool = False, read_first: bool = False) -> T: ...

    async def probe(self, fn: Unit[T]) -> T | None: ...


REBUILD_SEARCH = "INSERT INTO task_text(task_text) VALUES ('rebuild')"


async def _file(conn: Connection) -> Health:
    problems = [r[0] for r in (await conn.fetchall("PRAGMA integrity_check")) if r[0] != "ok"]
    problems += [f"foreign key: {tuple(r)}" for r in (await conn.fetchall("PRAGMA foreign_key_check"))]
    return Health((await conn.fetchone("PRAGMA user_version"))[0], problems)


async def _search_index(conn: Connection) -> list[str]:
    try:
        await conn.execute("INSERT INTO task_text(task_text, rank) VALUES ('integrity-check', 1)")
    except sqlite3.OperationalError as busy:  # not an answer about the index: say so, not "out of step"
        return [f"the task search index could not be checked just now: {busy}"]
    except sqlite3.DatabaseError:  # SQLITE_CORRUPT_VTAB: index and tasks disagree
        return [REBUILD_HINT]
    return []


async def health(db: Checked) -> Health:
    found = await db.read(_file, patient=True)  # an integrity check reads every page
    # FTS5 checks its index only where it could write: on a throwaway connection, rolled back.
    search = await db.probe(_search_index)
    if search is None:
        found.notes.append("the task search index was not checked: the ledger cannot be written, and "
                           "SQLite checks that index only where it could write")  # fmt: skip
    found.problems += search or []
    return found


async def rebuild_search_index(db: Checked) -> None:
    await db.write(lambda conn: conn.execute(REBUILD_SEARCH), patient=True)
