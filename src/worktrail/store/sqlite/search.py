"""Task search on SQLite: what a caller's search text asks FTS5 for (every word, as the start of
a word), and a page of matching tasks, read from the index's side (or, for a broad search with a
filter of few tasks, from the filter's)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from worktrail.store.connection import Connection
from worktrail.store.rows import COUNT_CAP, as_dict, capped_count, page

# A word as FTS5's unicode61 tokenizer cuts them: letters and digits; the rest separates words,
# and so do the few letters its older Unicode tables call marks (New Tai Lue's vowels and tone
# letters, two Vedic signs): a query word FTS5 cut in two would be a phrase, which the index
# refuses (migration 30). tests/test_task_search_index.py tries every code point.
_WORD = re.compile(r"[^\W_\u19b0-\u19c0\u19c8\u19c9\u1cf2\u1cf3]+")

# The index's entries, each joined to its task. CROSS JOIN is SQLite's way to fix a join's order:
# the index is the outer loop and hands out its entries in rowid order, so a page reads its LIMIT
# of them (and the tasks they name), where `rowid IN (SELECT rowid ... MATCH ?)` first collected
# every match (a one-letter prefix: ~470,000 at a million tasks, 84-209 ms).
MATCHED_TASKS = "task_text CROSS JOIN task ON task.rowid = task_text.rowid"

# A broad search (COUNT_CAP matches or more) with a filter that has few tasks: walking the matches
# to find the filter's few reads most of them (`ka` and one endeavour: 468,643 entries, 0.9-1.5 s
# at a million tasks); asking the index about each of the few tasks instead costs ~60 us a task.
FEW = 1_000


def match_query(text: str) -> str | None:
    """An FTS5 MATCH expression finding entries that have, for each word of `text`, a word
    starting with it (`"plan"* "week"*`), or None when `text` has no word to look up. Each word
    goes in double quotes, so nothing in it is read as FTS5 syntax."""
    words = _WORD.findall(text)
    return " ".join(f'"{word}"*' for word in words) if words else None


async def task_page(
    conn: Connection,
    match: tuple[str, str],
    where: Sequence[str],
    params: Sequence[Any],
    limit: int,
    offset: int,
    json_columns: Iterable[str] = (),
) -> tuple[list[dict[str, Any]], int]:
    """One page of the tasks the full-text `match` (`conn.task_match`) finds that also meet `where`
    (terms on task's own columns), newest first, and how many there are (up to COUNT_CAP)."""
    if where and await _broad(conn, match) and await _few(conn, where, params):
        asked = f"EXISTS (SELECT 1 FROM task_text WHERE {match[0]} AND task_text.rowid = task.rowid)"
        return await page(conn, "task", [*where, asked], [*params, match[1]], limit, offset, json_columns,
                          order="rowid DESC")  # fmt: skip
    clause = f" WHERE {' AND '.join([match[0], *where])}"
    values = [match[1], *params]
    # A search alone counts the index's entries without a look-up of each task: they match one to one.
    counted = (MATCHED_TASKS, clause, values) if where else ("task_text", f" WHERE {match[0]}", [match[1]])
    total = await capped_count(conn, *counted)
    rows = await conn.fetchall(
        f"SELECT task.* FROM {MATCHED_TASKS}{clause} ORDER BY task_text.rowid DESC LIMIT ? OFFSET ?",
        [*values, limit, offset],
    )
    columns = tuple(json_columns)
    return [as_dict(r, columns) for r in rows], total  # type: ignore[misc]


async def _broad(conn: Connection, match: tuple[str, str]) -> bool:
    return await capped_count(conn, "task_text", f" WHERE {match[0]}", [match[1]]) >= COUNT_CAP


async def _few(conn: Connection, where: Sequence[str], params: Sequence[Any]) -> bool:
    counted = f"SELECT COUNT(*) FROM (SELECT 1 FROM task WHERE {' AND '.join(where)} LIMIT {FEW + 1}) AS few"
    return int((await conn.fetchone(counted, list(params)))[0]) <= FEW
