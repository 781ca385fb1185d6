"""WAL checkpoints on a thread of their own, never inside a request.

SQLite's automatic checkpoint runs inside whichever COMMIT pushes the WAL past 1,000 pages: every
so many writes one request pays for copying the WAL back into the database (3 ms at a thousand
rows, 13-15 ms at a million), and that is a write's p99. The writer therefore runs with
`wal_autocheckpoint = 0`, and this thread, on a connection of its own, runs a PASSIVE checkpoint
(which never waits for, nor blocks, a writer or a reader) once writes pause for IDLE_SECONDS, or at
once when EVERY_COMMITS have piled up. A checkpoint that copied everything lets the next write
start the WAL from its beginning, and `journal_size_limit` gives the file back beyond LIMIT_BYTES.

Under a stream of writes with no pause, a PASSIVE checkpoint never quite catches up: the WAL
starts again from its beginning only when a write begins with every frame copied, and each write
lands while the checkpoint copies. So once a checkpoint finds the WAL past LIMIT_BYTES, it marks
it `over_limit`, and the database's next write first runs a RESTART checkpoint on the writer's
thread, which copies the rest and resets the WAL (database.py). Only a load that outruns the
background checkpoints pays for one, where SQLite's automatic checkpoint makes every thousandth
page pay. A reader that keeps an old snapshot open holds the WAL back for every checkpoint alike;
that is logged.

The first write after a complete checkpoint starts the WAL again from its beginning, and at
synchronous=NORMAL SQLite syncs the WAL when it writes the new header: one fsync, 1-2 ms here,
which would fall on the next request, and for an agent that calls now and then that is every
request. So after a checkpoint made while writes pause, this thread makes that first write
itself, a one-row counter (`wal_restart`), and pays the sync while nobody waits. It only tries:
should a request hold the lock just then, the request goes first and pays the sync.

The same thread keeps the query planner's statistics current: ANALYZE, reading at most
ANALYSIS_LIMIT rows of each index (milliseconds at a million rows), once writes pause some
seconds after the ledger is opened (a one-off command is gone by then) and every ANALYZE_EVERY
seconds after.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

EVERY_COMMITS = 200
IDLE_SECONDS = 0.05
LIMIT_BYTES = 16 * 1024 * 1024
_POLL_SECONDS = 0.025
ANALYZE_AFTER = 10.0
ANALYZE_EVERY = 6 * 3600.0
ANALYSIS_LIMIT = 1000


class Checkpointer:
    """Copies the WAL back into the database file in the background, for one Database."""

    def __init__(self, path: Path, analyze_after: float = ANALYZE_AFTER) -> None:
        self.path = path
        self._analyze_after = analyze_after
        self._analyze_at = 0.0
        self._commits = 0  # since the last checkpoint (written by the event loop; a stale read is harmless)
        self._last_commit = 0.0
        self._due = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.over_limit = False  # the WAL passed LIMIT_BYTES: the next write resets it first
        self._failed = 0  # checkpoints failed in a row

    def start(self) -> None:
        self._analyze_at = time.monotonic() + self._analyze_after
        self._thread = threading.Thread(target=self._run, name="worktrail-checkpoints", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        """Count a COMMIT; enough of them in a row make a checkpoint due at once."""
        self._commits += 1
        self._last_commit = time.monotonic()
        if self._commits >= EVERY_COMMITS and not self._due.is_set():  # set() takes a lock and notifies
            self._due.set()

    def stop(self) -> None:
        """Stop the thread (the last connection's close checkpoints what is left)."""
        if self._thread is None:
            return
        self._stopping = True
        self._due.set()
        self._thread.join()
        self._thread = None

    def _run(self) -> None:
        conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=0)  # never waits for a lock
        try:
            conn.execute(f"PRAGMA journal_size_limit = {LIMIT_BYTES}")
            frames_limit = LIMIT_BYTES // int(conn.execute("PRAGMA page_size").fetchone()[0])
            while not self._stopping:
                self._due.wait(_POLL_SECONDS)
                self._due.clear()
                if self._stopping:
                    continue
                now = time.monotonic()
                idle = now - self._last_commit >= IDLE_SECONDS
                if idle and now >= self._analyze_at:
                    self._analyze_at = now + (ANALYZE_EVERY if self._analyze(conn) else 1.0)
                if not self._commits:
                    continue
                if self._commits < EVERY_COMMITS and not idle:
                    continue
                self._commits = 0
                if self._checkpoint(conn, frames_limit) and idle:
                    self._restart_wal(conn)
        finally:
            conn.close()

    def _checkpoint(self, conn: sqlite3.Connection, frames_limit: int) -> bool:
        """A PASSIVE checkpoint; whether it copied the whole WAL."""
        try:
            _, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if frames > frames_limit:
                self.over_limit = True
        except sqlite3.Error as error:  # a busy or failing disk: the next round tries again
            # Said when it fails again: once, it is what the write that just failed said already
            # (a full disk under `worktrail call`), or a lock the next round finds free.
            self._failed += 1
            log.log(logging.WARNING if self._failed > 1 else logging.DEBUG, "WAL checkpoint of %s failed (%d in a row): %s",
                    self.path, self._failed, error)  # fmt: skip
            return False
        self._failed = 0
        return bool(frames > 0 and copied == frames)

    def _analyze(self, conn: sqlite3.Connection) -> bool:
        """Fresh planner statistics; False when the lock was taken (tried again a second later)."""
        try:
            conn.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
            conn.execute("ANALYZE")
        except sqlite3.Error as error:
            log.debug("ANALYZE of %s put off: %s", self.path, error)
            return False
        return True

    def _restart_wal(self, conn: sqlite3.Connection) -> None:
        """The first write into the checkpointed WAL, made here (see the module's note); it is
        not counted as a commit, so it brings no checkpoint of its own."""
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE wal_restart SET n = n + 1")
            conn.execute("COMMIT")
        except sqlite3.Error:  # the lock was taken: the request that took it restarts the WAL
            if conn.in_transaction:
                conn.execute("ROLLBACK")
