"""A write transaction held across the hops of one call: what makes a keyed write exactly-once.

A retried write must either find the answer of the first attempt or do the work, never both and
never twice, also across processes and crashes. So a call with an idempotency key opens one
`BEGIN IMMEDIATE` transaction, looks its key up in it, lets every write of its handler join it,
and stores its answer beside the work in the same COMMIT. Other writers of this process wait on
the database's write lock meanwhile; other processes wait on SQLite's lock. A crash at any point
leaves all of it or none of it.

These are the functions run on the writer's thread; `Database.hold` drives them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


class HoldTimeout(Exception):
    """The writer stayed taken by other calls for longer than the caller would wait."""


@dataclass
class Held:
    """One call's held transaction: begun at its first write, committed by its last."""

    owner: object
    begun: bool = False
    committed: bool = False


_HELD: ContextVar[Held | None] = ContextVar("worktrail_held_transaction", default=None)


def held_by(owner: object) -> Held | None:
    """The transaction this task holds on `owner`, if any."""
    held = _HELD.get()
    return held if held is not None and held.owner is owner else None


def enter(held: Held) -> object:
    return _HELD.set(held)


def leave(token: object) -> None:
    _HELD.reset(token)  # type: ignore[arg-type]


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
