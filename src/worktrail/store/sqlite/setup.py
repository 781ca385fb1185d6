"""How this process's connections to a SQLite ledger are set up: each connection's pragmas, and
the file itself (WAL mode, the schema brought up to date) when the writer first opens it."""

from __future__ import annotations

import logging
import sqlite3
from typing import Literal

from worktrail.store.sqlite.checkpoints import LIMIT_BYTES
from worktrail.store.sqlite.ledger_file import ReadOnlyLedger
from worktrail.store.sqlite.upgrade import check_readable_schema, migrate

log = logging.getLogger(__name__)

Synchronous = Literal["NORMAL", "FULL"]


def configure(conn: sqlite3.Connection, busy_timeout_ms: int, synchronous: Synchronous, read_only: bool) -> None:
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    if read_only:
        return
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA synchronous = {'FULL' if synchronous == 'FULL' else 'NORMAL'}")
    # Deleted content is overwritten with zeros, so an erased secret leaves no bytes in the file.
    conn.execute("PRAGMA secure_delete = ON")
    # Checkpoints run on a thread of their own (checkpoints.py), never inside a request's COMMIT.
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute(f"PRAGMA journal_size_limit = {LIMIT_BYTES}")


def prepare_file(conn: sqlite3.Connection, must_be_a_ledger: bool) -> None:
    if must_be_a_ledger:  # before anything is written: a file without our schema stays as it was
        check_readable_schema(conn)
    try:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    except sqlite3.OperationalError as error:
        if "readonly" in str(error).lower():
            raise ReadOnlyLedger("it cannot be written (a read-only file, folder or mount)") from None
        raise
    if str(mode).lower() != "wal":
        log.warning("SQLite refused WAL mode (journal_mode=%s); concurrency will be lower", mode)
    migrate(conn)
