"""A task's create record, kept on the task's row (migration 34), where a stored change record of
its own took ~260 bytes of rows and index entries at a million tasks (benchmarks/README.md).

A create record said nothing the row does not (who: `creator_id`, when: `created_at`, changes
`{}`, version 1) but the tool, the app (via) and its number. The row keeps those three, and the
trail reads the create from it: `ts.aud.list`, the board's histories and `worktrail export --kind
audit` show it as before, with the same id (`chg_` and its number) in the same place.

The number is taken from the change records' own sequence, so a stored record never gets it:
SQLite numbers a stored record one past the largest of the stored ones and of the last task's
(`NEXT_NUMBER`), PostgreSQL's creates take the identity sequence's next value. Writes are
serialised on both stores, so the numbers are in storing order and a task's rowid order is its
creates' order: the trail merges two streams that are each read in order from their own index.
"""

from __future__ import annotations

import heapq
from itertools import islice
from typing import Any

from worktrail.domain.errors import invalid_field
from worktrail.store.connection import Connection
from worktrail.store.rows import COUNT_CAP

ENTITY_TYPE = "task"
TOOL = "ts.tsk.create"  # the tool nearly every task is made by: stored as NULL

# Migration 34. A create record moves to its task's row only when the row says the same (who and
# when); any other stays a stored record (and its task has no number: nothing is shown twice).
# The creates' actor and `since` filters read the task's two new indexes. Each task's record is
# found by the entity's index (`|| ''` keeps the planner off the action's, migration 32, which
# would walk a million creates for each task).
CREATES_ON_TASK_ROW = """
ALTER TABLE task ADD COLUMN created_number INTEGER;
ALTER TABLE task ADD COLUMN created_tool TEXT;
ALTER TABLE task ADD COLUMN created_via TEXT;
UPDATE task SET (created_number, created_tool, created_via) = (
    SELECT c.rowid, NULLIF(c.tool, 'ts.tsk.create'), c.via FROM change_record c
    WHERE c.entity_id = task.id AND c.entity_type || '' = 'task' AND c.action || '' = 'create' AND c.changes = '{}'
      AND c.version = 1 AND c.at = task.created_at
      AND (c.actor_id = task.creator_id OR (c.actor_id IS NULL AND task.creator_id IS NULL))
    ORDER BY c.rowid LIMIT 1);
DELETE FROM change_record WHERE rowid IN (SELECT created_number FROM task WHERE created_number IS NOT NULL);
CREATE INDEX task_creator ON task(creator_id);
CREATE INDEX task_created_at ON task(created_at);
"""

# The number the next change record takes on SQLite (stored or kept on a task's row): one past
# the largest of both. Two reads of a b-tree's last page, which the write has at hand.
_LAST_TASK_NUMBER = "(SELECT created_number FROM task ORDER BY rowid DESC LIMIT 1)"
NEXT_NUMBER = (f"(SELECT MAX(COALESCE((SELECT MAX(rowid) FROM change_record), 0), "
               f"COALESCE({_LAST_TASK_NUMBER}, 0)) + 1)")  # fmt: skip
# The latest number on either store (the board's watcher's high-water mark).
LATEST = (f"SELECT CASE WHEN COALESCE(a, 0) > COALESCE(b, 0) THEN COALESCE(a, 0) ELSE COALESCE(b, 0) END "
          f"FROM (SELECT (SELECT MAX(rowid) FROM change_record) AS a, {_LAST_TASK_NUMBER} AS b) AS marks")  # fmt: skip
_PG_NEXT = "nextval(pg_get_serial_sequence('change_record', 'rowid'))"

# The deepest offset a page of stored records and creates merged in Python is read at: the count's
# cap, as deep as a client paging by the totals it is told goes. A deeper one would read and merge
# every record before it (a viewer could make one call read a million-record trail).
DEEPEST = COUNT_CAP

STORED_COLUMNS = "rowid AS number, at, actor_id, tool, entity_type, entity_id, action, changes, version, via"
CREATE_COLUMNS = (f"created_number AS number, created_at AS at, creator_id AS actor_id, "
                  f"COALESCE(created_tool, '{TOOL}') AS tool, '{ENTITY_TYPE}' AS entity_type, id AS entity_id, "
                  f"'create' AS action, '{{}}' AS changes, 1 AS version, created_via AS via")  # fmt: skip


def next_number(conn: Connection) -> str:
    """SQL for the number a task's create takes, in the task's INSERT."""
    return _PG_NEXT if conn.backend == "postgresql" else NEXT_NUMBER


def created_columns(conn: Connection, tool: str, via: str | None) -> tuple[dict[str, Any], str]:
    """The create's columns of a new task's row (its number as SQL, `next_number`)."""
    return {"created_tool": None if tool == TOOL else tool, "created_via": via}, next_number(conn)


def applies(entity_type: str | None, action: str | None) -> bool:
    """Whether a list with these filters can hold a task's create."""
    return entity_type in (None, ENTITY_TYPE) and action in (None, "create")


def terms(entity_id: str | None, actor_id: str | None, since: str | None, many_of_actor: bool) -> tuple[list[str], list[Any]]:
    """The WHERE terms over `task` for its creates that match; `many_of_actor`: walk `created_at`
    (its index) with `since` rather than the creator's index (as the stored records do, audit.py)."""
    where, params = ["created_number IS NOT NULL"], []
    if entity_id is not None:
        where.append("id = ?")
        params.append(entity_id)
    if actor_id is not None:
        where.append("creator_id || '' = ?" if many_of_actor else "creator_id = ?")
        params.append(actor_id)
    if since:
        where.append("created_at >= ?")
        params.append(since)
    return where, params


async def count(conn: Connection, where: list[str], params: list[Any], cap: int) -> int:
    """How many creates match, up to `cap`."""
    sql = f"SELECT COUNT(*) FROM (SELECT 1 FROM task WHERE {' AND '.join(where)} LIMIT {cap}) AS counted"
    return int((await conn.fetchone(sql, params))[0])


async def merged_page(conn: Connection, stored: tuple[str, list[Any]], created: tuple[str, list[Any]], since: bool,
                      ascending: bool, limit: int, offset: int) -> list[Any]:
    """One page of the stored records (`stored`: WHERE clause and its parameters) and the creates
    (`created`) together, in the trail's order: (`at`, when `since`, then) the number. Each is read
    in its own index's order, the first `limit + offset` of it, and the two are merged here (where
    SQL would sort them again). Past the first page the records skipped are merged as their keys
    alone, and only the page's rows are read whole."""
    way = "ASC" if ascending else "DESC"
    s_order = f"{'at ' + way + ', ' if since else ''}rowid {way}"
    c_order = f"{'created_at ' + way + ', ' if since else ''}rowid {way}"
    first = limit + offset
    s_where, s_params = stored
    c_where, c_params = created
    # On SQLite only: PostgreSQL's sequence has gaps (a rolled back insert), and a search by halves
    # is a round trip a step there.
    if offset and not since and not ascending and not s_params and not c_params and conn.backend == "sqlite":
        found = await _dense_page(conn, limit, offset)
        if found is not None:
            return found
    if offset > DEEPEST:  # each stream's first `offset` would be read and merged here, for one page
        raise invalid_field("offset", f"at most {DEEPEST:,} in a trail that holds task creates (its total is "
                            f"counted to {DEEPEST:,} too)", "narrow the list with since, entity_id, actor_id, "
                            "entity_type or action, and page within it")  # fmt: skip
    if offset == 0:
        s_sql, c_sql = (f"SELECT {STORED_COLUMNS}, 0 AS task_rowid FROM change_record{s_where} ORDER BY {s_order} LIMIT {first}",
                        f"SELECT {CREATE_COLUMNS}, rowid AS task_rowid FROM task{c_where} ORDER BY {c_order} LIMIT {first}")  # fmt: skip
    else:
        at, created_at = (", at", ", created_at AS at") if since else ("", "")
        s_sql, c_sql = (f"SELECT rowid AS number, 0 AS task_rowid{at} FROM change_record{s_where} ORDER BY {s_order} LIMIT {first}",
                        f"SELECT created_number AS number, rowid AS task_rowid{created_at} FROM task{c_where} ORDER BY {c_order} LIMIT {first}")  # fmt: skip
    rows = list(islice(heapq.merge(await conn.fetchall(s_sql, s_params), await conn.fetchall(c_sql, c_params),
                                   key=_key(since), reverse=not ascending), offset, first))  # fmt: skip
    if offset == 0 or not rows:
        return rows
    numbers = [row["number"] for row in rows if not row["task_rowid"]]
    tasks = [row["task_rowid"] for row in rows if row["task_rowid"]]
    found = [*(await conn.fetchall(f"SELECT {STORED_COLUMNS}, 0 AS task_rowid FROM change_record WHERE rowid IN "
                                   f"({', '.join('?' for _ in numbers)})", numbers) if numbers else []),
             *(await conn.fetchall(f"SELECT {CREATE_COLUMNS}, rowid AS task_rowid FROM task WHERE rowid IN "
                                   f"({', '.join('?' for _ in tasks)})", tasks) if tasks else [])]  # fmt: skip
    return sorted(found, key=_key(since), reverse=not ascending)


async def _dense_page(conn: Connection, limit: int, offset: int) -> list[Any] | None:
    """A page past the first of the whole trail, read by its numbers where they have no gaps (every
    number from 1 on is a stored record's or a task's create, as SQLite gives them): the `offset`
    newest are then exactly those above `latest - offset`, which two counts prove (a stored record
    is counted from the rowid's index, a create from its task's row, found by its number between
    two task rowids); None where they do not (a gap: a ledger copied from PostgreSQL)."""
    latest = int((await conn.fetchone(LATEST))[0] or 0)
    high = latest - offset
    low = max(1, high - limit + 1)
    if high < 1:
        return None
    above = await _first_task_past(conn, high)
    counted = await conn.fetchone(
        "SELECT (SELECT COUNT(*) FROM change_record WHERE rowid > ?),"
        " (SELECT COUNT(*) FROM task WHERE rowid >= ? AND created_number IS NOT NULL)", (high, above))
    if int(counted[0]) + int(counted[1]) != offset:
        return None
    from_task = await _first_task_past(conn, low - 1)
    rows = [*await conn.fetchall(f"SELECT {STORED_COLUMNS}, 0 AS task_rowid FROM change_record WHERE rowid BETWEEN ? AND ?",
                                 (low, high)),
            *await conn.fetchall(f"SELECT {CREATE_COLUMNS}, rowid AS task_rowid FROM task WHERE rowid >= ? AND rowid < ?"
                                 " AND created_number IS NOT NULL", (from_task, above))]  # fmt: skip
    if len(rows) != high - low + 1:
        return None
    return sorted(rows, key=_key(False), reverse=True)


async def _first_task_past(conn: Connection, number: int) -> int:
    """The rowid of the first task whose create's number is above `number` (one past the last task
    when none is): the numbers grow with the rowids, so a search by halves, a row read a step."""
    low, high = 1, int((await conn.fetchone("SELECT COALESCE(MAX(rowid), 0) FROM task"))[0]) + 1
    while low < high:
        middle = (low + high) // 2
        row = await conn.fetchone("SELECT rowid, created_number FROM task WHERE rowid >= ? AND created_number IS NOT NULL"
                                  " ORDER BY rowid LIMIT 1", (middle,))  # fmt: skip
        if row is None or row[0] >= high:
            high = middle
        elif int(row[1]) > number:  # row[0] < high here
            high = row[0]
        else:
            low = row[0] + 1
    return low


def _key(since: bool) -> Any:
    return (lambda row: (row["at"], row["number"])) if since else (lambda row: row["number"])


async def export_batch(conn: Connection, after: tuple[int, int], since: str | None, size: int) -> tuple[list[Any], tuple[int, int]]:
    """The next `size` records of the whole trail in storing order after `after` (the last stored
    record's number and the last task's rowid read so before), and where the next batch starts."""
    stored, task = after
    s_where, c_where = " WHERE rowid > ?", " WHERE rowid > ? AND created_number IS NOT NULL"
    params: list[Any] = [stored]
    c_params: list[Any] = [task]
    if since is not None:
        s_where, c_where = s_where + " AND at >= ?", c_where + " AND created_at >= ?"
        params, c_params = [stored, since], [task, since]
    sql = (f"SELECT * FROM (SELECT {STORED_COLUMNS}, 0 AS task_rowid FROM change_record{s_where} ORDER BY rowid LIMIT {size}) AS s"
           f" UNION ALL SELECT * FROM (SELECT {CREATE_COLUMNS}, rowid AS task_rowid FROM task{c_where} ORDER BY rowid LIMIT {size})"
           f" AS c ORDER BY number LIMIT {size}")  # fmt: skip
    rows = [dict(row) for row in await conn.fetchall(sql, [*params, *c_params])]
    for row in rows:
        row.pop("rowid", None)
        if row["task_rowid"]:
            task = row["task_rowid"]
        else:
            stored = row["number"]
        del row["task_rowid"]
    return rows, (stored, task)


async def export_count(conn: Connection, since: str | None) -> int:
    """How many records the whole trail holds (`since`: from then on)."""
    s_where, c_where, params = "", " WHERE created_number IS NOT NULL", []
    if since is not None:
        s_where, c_where, params = " WHERE at >= ?", c_where + " AND created_at >= ?", [since]
    row = await conn.fetchone(f"SELECT (SELECT COUNT(*) FROM change_record{s_where}), (SELECT COUNT(*) FROM task{c_where})",
                              [*params, *params])  # fmt: skip
    return int(row[0]) + int(row[1])
