"""SQL building blocks shared by the repositories: JSON columns, inserts, compare-and-set, pages.

Table and column names here always come from code, never from a caller; every value is a
parameter.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from worktrail.domain.errors import ToolError, not_found
from worktrail.store.connection import CompareAndSet, Connection

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
# Names that passed the check (they come from code: a few hundred at most); a write checks its
# table and every column on each call, and a set lookup is a tenth of the match (issue 30).
_CHECKED: set[str] = set()
_CHECKED_MAX = 4096


# What `json.dumps(value, separators=(",", ":"), ensure_ascii=False)` builds anew on every call.
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def to_json(value: Any) -> str:
    """Compact JSON text for a JSON column."""
    return _COMPACT.encode(value)


def encoded(values: Mapping[str, Any], json_columns: Iterable[str]) -> dict[str, Any]:
    """Values ready to store: the JSON columns as JSON text."""
    columns = set(json_columns)
    return {k: (to_json(v) if k in columns else v) for k, v in values.items()}


def as_dict(row: sqlite3.Row | None, json_columns: Iterable[str] = ()) -> dict[str, Any] | None:
    """A row as a dict, with its JSON columns decoded."""
    if row is None:
        return None
    out = dict(row)
    out.pop("rowid", None)  # PostgreSQL's stand-in for SQLite's rowid is a column (`SELECT *` has it)
    for column in json_columns:
        if out.get(column) is not None:
            out[column] = json.loads(out[column])
    return out


def _names(columns: Iterable[str]) -> list[str]:
    names = list(columns)
    for name in names:
        if name in _CHECKED:
            continue
        if not _IDENTIFIER.fullmatch(name):  # `$` alone would take a name ending in a newline
            raise ValueError(f"not a column name: {name!r}")
        if len(_CHECKED) < _CHECKED_MAX:
            _CHECKED.add(name)
    return names


async def insert(conn: Connection, table: str, values: Mapping[str, Any]) -> None:
    """INSERT one row."""
    names = _names([table, *values])[1:]
    marks = ", ".join("?" for _ in names)
    await conn.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", list(values.values()))


async def update_if_status(
    conn: Connection,
    table: str,
    entity_id: str,
    values: Mapping[str, Any],
    expected_status: str,
    noted: tuple[str, Mapping[str, Any]] | None = None,
) -> int:
    """UPDATE one row only while its status is still the one the caller's decision was based on,
    and count the change in its version, in the same statement; answer the new version.
    `noted` (table, values): a row to INSERT with that new `version` (the change record), in the
    same statement where the store can (`Connection.fetchone_then_insert`).

    Inside BEGIN IMMEDIATE nobody can change the row between our read and this write; the guard
    makes the compare-and-set explicit, so a lost race can never pass silently.
    """
    names = _names([table, *values])[1:]
    sets = ", ".join([*(f"{name} = ?" for name in names), "version = version + 1"])
    sql = f"UPDATE {table} SET {sets} WHERE id = ? AND status = ? RETURNING version"
    params = [*values.values(), entity_id, expected_status]
    if noted is None:
        found = await conn.fetchone(sql, params)
    else:
        _names([noted[0], *noted[1]])
        described = CompareAndSet(table, entity_id, values, expected_status, noted[0], noted[1])
        found = await conn.fetchone_then_insert(sql, params, noted[0], noted[1], "version", described=described)
    if found is None:
        raise ToolError(
            "conflict",
            f"The {table} {entity_id} changed while this update was being applied; read it again and retry.",
            {"id": entity_id, "expected_status": expected_status},
        )
    return int(found[0])


async def update_versioned(conn: Connection, table: str, entity_id: str, values: Mapping[str, Any]) -> int:
    """UPDATE one row that has no lifecycle, counting the change in its version; answer the new version."""
    names = _names([table, *values])[1:]
    sets = ", ".join([*(f"{name} = ?" for name in names), "version = version + 1"])
    found = await conn.fetchone(
        f"UPDATE {table} SET {sets} WHERE id = ? RETURNING version", [*values.values(), entity_id]
    )
    return int(found[0])


async def fetch(
    conn: Connection, table: str, entity_id: str, json_columns: Iterable[str] = ()
) -> dict[str, Any] | None:
    """One row by id, decoded, or None."""
    _names([table])
    return as_dict((await conn.fetchone(f"SELECT * FROM {table} WHERE id = ?", (entity_id,))), json_columns)


async def require_row(
    conn: Connection, table: str, entity_id: str, kind: str, json_columns: Iterable[str] = ()
) -> dict[str, Any]:
    """One row by id, decoded, or `not_found` naming the kind of entity."""
    row = await fetch(conn, table, entity_id, json_columns)
    if row is None:
        raise not_found(kind, entity_id)
    return row


def filters(
    equal: Mapping[str, Any], search_columns: Sequence[str] = (), search: str | None = None
) -> tuple[list[str], list[Any]]:
    """WHERE terms and their parameters: `column = ?` for each value given, and a text search."""
    where: list[str] = []
    params: list[Any] = []
    for column, value in equal.items():
        if value is not None:
            where.append(f"{_names([column])[0]} = ?")
            params.append(value)
    if search:
        where.append("(" + " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in _names(search_columns)) + ")")
        params += [like_pattern(search)] * len(search_columns)
    return where, params


def like_pattern(text: str) -> str:
    """A LIKE pattern that matches `text` anywhere, with its wildcards escaped (ESCAPE '\\')."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# A list's `total` counts matches up to this many: an exact count of a million rows reads them
# all (13 ms), and no caller pages that far. A total of COUNT_CAP means "at least that many".
COUNT_CAP = 10_000


async def capped_count(conn: Connection, table: str, clause: str, params: Sequence[Any]) -> int:
    """How many rows of `table` match the WHERE `clause`, counted up to COUNT_CAP."""
    counted = f"SELECT COUNT(*) FROM (SELECT 1 FROM {table}{clause} LIMIT {COUNT_CAP}) AS counted"
    return int((await conn.fetchone(counted, list(params)))[0])


async def page(
    conn: Connection,
    table: str,
    where: Sequence[str],
    params: Sequence[Any],
    limit: int | None,
    offset: int,
    json_columns: Iterable[str] = (),
    *,
    select: str = "*",
    order: str = "created_at DESC, rowid DESC",
) -> tuple[list[dict[str, Any]], int]:
    """One page of rows (newest first and stable unless `order` says otherwise) and the total that
    match (up to COUNT_CAP), from one snapshot. `select` and `order` come from code, never from a caller."""
    _names([table])
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    columns = tuple(json_columns)
    total = await capped_count(conn, table, clause, params)
    # limit None: every row (neither store's "no limit" is the other's: LIMIT -1, LIMIT ALL).
    tail, more = ("", []) if limit is None else (" LIMIT ? OFFSET ?", [limit, offset])
    deep = conn.deep_page(table, clause, order) if offset and limit is not None and select == "*" else None
    query = deep or f"SELECT {select} FROM {table}{clause} ORDER BY {order}{tail}"
    rows = await conn.fetchall(query, [*params, *more])
    return [as_dict(r, columns) for r in rows], total  # type: ignore[misc]
