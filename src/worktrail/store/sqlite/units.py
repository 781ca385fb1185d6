"""A unit of work on one SQLite connection: a write transaction, a read snapshot, a wait for
SQLite's locks, a WAL checkpoint. The database runs these on the event loop or on a connection's
thread (database.py); they know neither."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import Any, Literal, TypeVar

T = TypeVar("T")


def in_write_transaction(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(conn)
        conn.execute("COMMIT")  # a COMMIT that fails (a full disk) leaves the transaction open: roll back too
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return result


def in_read_snapshot(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    conn.execute("BEGIN")
    try:
        return fn(conn)
    finally:
        conn.execute("COMMIT")


def impatient(conn: sqlite3.Connection) -> None:
    """The writer's resting busy timeout: 0, so a write on the event loop never waits there."""
    conn.execute("PRAGMA busy_timeout = 0")


def patiently(conn: sqlite3.Connection, wait_ms: int, fn: Callable[..., T], *args: Any) -> T:
    """`fn(conn, *args)`, waiting up to `wait_ms` for SQLite's locks (on the writer's thread)."""
    conn.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
    try:
        return fn(conn, *args)
    finally:
        impatient(conn)


def checkpoint(conn: sqlite3.Connection, mode: Literal["RESTART", "TRUNCATE"]) -> tuple[int, int, int]:
    """(busy, frames, copied), as patient as the connection's busy timeout (`patiently`) also with
    the checkpoint thread at work: SQLite then answers busy at once, with -1 frames, rather than
    wait for it, and a TRUNCATE that erases a secret from the WAL must not give up on that."""
    deadline = time.monotonic() + int(conn.execute("PRAGMA busy_timeout").fetchone()[0]) / 1000
    while True:
        busy, frames, copied = (int(v) for v in conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone())
        if not (busy and frames < 0) or time.monotonic() >= deadline:
            return busy, frames, copied
        time.sleep(0.005)
