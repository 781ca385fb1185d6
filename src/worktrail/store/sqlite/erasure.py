"""Content that must leave the disk, not only the table (a workflow run's secrets).

With `secure_delete` a deleted row's database pages are overwritten with zeros, but the WAL still
holds the pages as they were until it is truncated. Whatever deletes such content marks its
connection here, inside its transaction; the database truncates the WAL right after that
transaction commits (and forgets the mark when it rolls back). So no caller can erase a secret
and forget its WAL: marking is part of erasing."""

from __future__ import annotations

import sqlite3

_MARKED: set[int] = set()


def mark(conn: sqlite3.Connection) -> None:
    """What this transaction deleted must leave the disk once it commits."""
    _MARKED.add(id(conn))


def take(conn: sqlite3.Connection) -> bool:
    """Whether the transaction just ended on `conn` was marked (the mark is cleared)."""
    if not _MARKED:  # the common case: one truthiness test per write
        return False
    key = id(conn)
    if key in _MARKED:
        _MARKED.discard(key)
        return True
    return False
