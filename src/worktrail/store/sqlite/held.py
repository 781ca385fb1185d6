"""A held write transaction on SQLite (see store/held.py): the functions run on the writer's
connection, on the event loop or its thread; `SqliteDatabase.hold` drives them."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def begin_with(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    """BEGIN IMMEDIATE and the first statements, in one hop (rolled back at once if they fail)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        return fn(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def joined(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    """Later statements inside the open transaction; a failure undoes only its own part."""
    conn.execute("SAVEPOINT joined")
    try:
        result = fn(conn)
    except BaseException:
        conn.execute("ROLLBACK TO joined")
        conn.execute("RELEASE joined")
        raise
    conn.execute("RELEASE joined")
    return result


def commit_with(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    """The last statements and the COMMIT, in one hop (rolled back whole if either fails)."""
    try:
        result = fn(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return result


def roll_back(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")
