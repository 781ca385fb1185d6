"""The SQLite database: one writer and one reader connection, each a whole unit of work at a time.

Every aiosqlite await is a round trip to the connection's thread. A read is therefore one unit of
work (connection.py) inside one snapshot, and a write one unit inside `BEGIN IMMEDIATE ... COMMIT`,
with all its statements, each driven to its end at once (sqlite/connection.py) wherever it runs:
on the event loop, or in one trip to the connection's thread. aiosqlite has no public call for "run this
function on your thread", so `_hop` is the single place that uses its `Connection._execute`
(pinned by the version range in pyproject.toml; tests exercise it on every run).

A write first runs right on the event loop, without the hop, and that is safe because it cannot
wait there: its BEGIN IMMEDIATE runs with a busy timeout of 0, so it either takes SQLite's write
lock at once or is refused at once, and with the lock held nothing in WAL mode waits — readers
never block a writer, checkpoints run on their own thread (checkpoints.py), and with
synchronous=NORMAL a COMMIT does not sync. Only when another process holds the lock does the
write go to the writer's thread, to wait there for as long as the busy timeout allows. Long
maintenance writes (pruning, sweeps) always go to the thread (`patient=True`). The writer's
thread and the loop never use the connection at once: every use of it is under the write lock.

A read runs on the event loop too, on the reader, for the same reason and the same way: a
thread's round trip costs more than a short read (on a virtual machine whose idle CPU must be
woken, most of a millisecond), and a WAL reader takes no lock that makes it wait, with a busy
timeout of 0 it is refused at once in the rare cases it would (another process recovering the
WAL), and then it goes to the reader's thread to wait there. Long reads (`patient=True`) always go
to the thread, and while the thread has the reader, reads queue behind it there.

BEGIN IMMEDIATE serialises writes against other processes; writes of this process take turns on
the write lock (uncontended, it costs microseconds): a keyed write holds one transaction across
several steps (`hold`, see held.py), and no other write may begin inside it. Checks that ride in
a call's first step live in checks.py.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
import anyio

from worktrail.domain.errors import ToolError
from worktrail.store.checks import with_checks
from worktrail.store.connection import Unit
from worktrail.store.database import Access
from worktrail.store.health import Health
from worktrail.store.held import Held, HoldTimeout, enter, held_by, leave
from worktrail.store.sqlite import erasure, health
from worktrail.store.sqlite import held as holding
from worktrail.store.sqlite.checkpoints import ANALYZE_AFTER, Checkpointer
from worktrail.store.sqlite.connection import SqliteConnection, run
from worktrail.store.sqlite.ledger_file import ReadOnlyLedger, check_existing, create_private, read_only_uri
from worktrail.store.sqlite.setup import Synchronous, configure, prepare_file
from worktrail.store.sqlite.signals import ticks
from worktrail.store.sqlite.storage_errors import busy, storage_refusal
from worktrail.store.sqlite.units import checkpoint, impatient, in_read_snapshot, in_write_transaction, patiently
from worktrail.store.sqlite.upgrade import check_readable_schema

T = TypeVar("T")
log = logging.getLogger(__name__)


class SqliteDatabase:
    """A SQLite file in WAL mode, opened for one process."""

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout_ms: int = 10_000,
        synchronous: Synchronous = "NORMAL",
        analyze_after: float = ANALYZE_AFTER,
        access: Access = "create",
    ) -> None:
        self.path = Path(path)
        self.access = access
        self._busy_timeout_ms = busy_timeout_ms
        self._synchronous = synchronous
        self._writer: aiosqlite.Connection | None = None
        # Writes of this process take turns here; a held transaction keeps it across its hops.
        self._write_lock = anyio.Lock()
        self._reader: aiosqlite.Connection | None = None
        self._reader_on_thread = 0  # hops on the reader's thread in flight: the loop keeps off it
        self._checkpoints = Checkpointer(self.path, analyze_after)  # and planner statistics

    @property
    def read_only(self) -> bool:
        return self.access == "read_only"

    async def open(self) -> SqliteDatabase:
        """Open both connections, switch to WAL and bring the schema up to date; see `Access`
        for a ledger that must exist already, or that is only read."""
        # Refused here, before aiosqlite starts a thread: a failed connect leaves its thread
        # answering a closed event loop, which prints a traceback at exit.
        if self.path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a folder", str(self.path))
        if self.access != "create":
            check_existing(self.path)
        if self.read_only:
            return await self._open_read_only()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        create_private(self.path)
        if not os.access(self.path, os.R_OK | os.W_OK):
            if self.access == "existing" and os.access(self.path, os.R_OK):
                raise ReadOnlyLedger(f"{self.path} cannot be written (a read-only file, folder or mount)")
            raise PermissionError(errno.EACCES, "cannot read and write", str(self.path))
        try:
            self._writer = await self._connect(check_same_thread=False)  # see the module's note
            await self._hop(self._writer, prepare_file, self.access == "existing")
            await self._hop(self._writer, impatient)
            self._reader = await self._connect(check_same_thread=False)  # see the module's note
            await self._hop(self._reader, impatient)
            self._checkpoints.start()
        except BaseException:
            await self.close()  # each connection owns a non-daemon thread: never leave one behind
            raise
        return self

    async def _open_read_only(self) -> SqliteDatabase:
        """Only the reader, on a file SQLite may not write: no migration, no checkpoints."""
        try:
            self._reader = await self._connect(check_same_thread=False, read_only=True)
            await self._hop(self._reader, check_readable_schema)
            await self._hop(self._reader, impatient)
        except BaseException:
            await self.close()
            raise
        return self

    async def close(self) -> None:
        """Close both connections (a WAL checkpoint happens on the last close)."""
        self._checkpoints.stop()
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    async def __aenter__(self) -> SqliteDatabase:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def write(self, fn: Unit[T], *, patient: bool = False, read_first: bool = False) -> T:
        """Run `fn(conn)` as one `BEGIN IMMEDIATE` transaction: all of it commits, or none. Inside
        `hold`, it joins the held transaction instead, which commits or rolls back as a whole.
        `patient`: a long write, run on the writer's thread so the event loop never waits on it (`read_first`: none)."""
        if self._writer is None and self.read_only:
            raise ToolError("forbidden", f"The ledger at {self.path} is open read-only (the file, its folder or its disk "
                            "cannot be written): reads work, writes do not. Nothing was changed.", {"reason": "read_only"})  # fmt: skip
        checked = _on_sqlite(with_checks(fn, write=True))
        try:
            held = held_by(self)
            if held is None:
                await self._take_write_lock()
                try:
                    await self._keep_wal_bounded()
                    try:
                        result = await self._on_writer(in_write_transaction, checked, patient=patient)
                    finally:
                        erased = erasure.take(self._require(self._writer)._conn)
                    if erased:  # committed: what it erased leaves the WAL too
                        await self._truncate_wal()
                finally:
                    self._write_lock.release()
                self._checkpoints.committed()
                return result
            if held.begun:
                return await self._on_writer(holding.joined, checked)
            result = await self._on_writer(holding.begin_with, checked)
            held.begun = True
            return result
        except sqlite3.OperationalError as error:
            raise storage_refusal(error, self.path) or error from None

    async def _take_write_lock(self) -> None:
        """The write lock; when it is free, without the trip round the event loop that
        `anyio.Lock.acquire` makes even then (one per write, for nothing)."""
        try:
            self._write_lock.acquire_nowait()
        except anyio.WouldBlock:
            await self._write_lock.acquire()

    async def _on_writer(self, fn: Callable[..., T], *args: Any, patient: bool = False) -> T:
        """`fn(conn, *args)` on the writer connection: on the event loop if it need not wait for
        SQLite's lock, else on the writer's thread (see the module's note). Callers hold the write lock."""
        writer = self._require(self._writer)
        if not patient:
            raw = writer._conn  # the loop and the thread take turns on it under the write lock
            was_in_transaction = raw.in_transaction
            try:
                return fn(raw, *args)  # the writer's busy timeout is 0 but on its thread
            except sqlite3.OperationalError as error:
                # Retried only when the lock was refused and nothing was done (or all rolled back).
                if not busy(error) or was_in_transaction or raw.in_transaction:
                    raise
        return await self._hop(writer, patiently, self._busy_timeout_ms, fn, *args)

    @asynccontextmanager
    async def hold(self, wait_seconds: float) -> AsyncIterator[Held]:
        """Hold one write transaction for the writes of this task until `commit_held`; whatever
        is not committed when the block ends is rolled back. Waits for this process's other
        writers at most `wait_seconds` (then `HoldTimeout`)."""
        try:
            self._write_lock.acquire_nowait()
        except anyio.WouldBlock:
            try:
                with anyio.fail_after(wait_seconds):
                    await self._write_lock.acquire()
            except TimeoutError:
                raise HoldTimeout from None
        try:
            await self._keep_wal_bounded()
        except BaseException:
            self._write_lock.release()
            raise
        held = Held(self)
        token = enter(held)
        try:
            yield held
        finally:
            leave(token)
            try:
                if held.begun and not held.committed:
                    with anyio.CancelScope(shield=True):
                        await self._hop(self._require(self._writer), holding.roll_back)
                    erasure.take(self._require(self._writer)._conn)  # rolled back: nothing was erased
            finally:
                self._write_lock.release()

    async def commit_held(self, fn: Unit[T]) -> T:
        """The held transaction's last statements and its COMMIT, in one hop."""
        held = held_by(self)
        if held is None:
            raise RuntimeError("commit_held outside hold()")
        try:
            if held.begun:
                result = await self._on_writer(holding.commit_with, _on_sqlite(fn))
            else:  # nothing was written before: the whole transaction is this call
                result = await self._on_writer(in_write_transaction, _on_sqlite(fn))
        except sqlite3.OperationalError as error:
            raise storage_refusal(error, self.path) or error from None
        held.committed = True
        self._checkpoints.committed()
        if erasure.take(self._require(self._writer)._conn):  # see erasure.py
            await self._truncate_wal()
        return result

    async def _keep_wal_bounded(self) -> None:
        """Past its limit, reset the WAL before the next write (see checkpoints.py): on the
        writer's thread, waiting for other processes' writers. Callers hold the write lock."""
        if not self._checkpoints.over_limit:
            return
        self._checkpoints.over_limit = False
        writer = self._require(self._writer)
        held_up, frames, _ = await self._hop(writer, patiently, self._busy_timeout_ms, checkpoint, "RESTART")
        if held_up and frames < 0:  # the checkpoint thread was at work (SQLite does not wait for it): next write
            self._checkpoints.over_limit = True
        elif held_up:
            log.warning(
                "the WAL of %s (%d frames) could not be reset: a reader holds an old snapshot", self.path, frames
            )

    async def _truncate_wal(self) -> None:
        writer = self._require(self._writer)
        held_up, _, _ = await self._hop(writer, patiently, self._busy_timeout_ms, checkpoint, "TRUNCATE")
        if held_up:
            log.warning("the WAL of %s could not be truncated yet: another process holds a read snapshot", self.path)

    async def probe(self, fn: Unit[T]) -> T | None:
        """`fn(conn)` on a throwaway read-write connection, in a transaction that is always rolled
        back: for checks that SQLite runs only where it could write (FTS5's integrity check), on a
        ledger opened read-only. None where the file cannot be written at all."""

        def run(_: sqlite3.Connection) -> T | None:
            if not os.access(self.path, os.W_OK):
                return None
            conn = sqlite3.connect(str(self.path), isolation_level=None)
            try:
                conn.execute("BEGIN")
                return _on_sqlite(fn)(conn)
            except sqlite3.OperationalError as error:
                if "readonly" in str(error).lower():
                    return None
                raise
            finally:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                conn.close()

        return await self._hop(self._require(self._reader), run)

    async def health(self) -> Health:
        return await health.health(self)

    async def rebuild_search_index(self) -> None:
        await health.rebuild_search_index(self)

    def signals(self, period: float) -> AsyncIterator[None]:
        return ticks(period)

    async def readable(self) -> None:
        """Raise unless the file can be read now, from the disk: a fresh read-only connection, not
        the reader's (whose cached pages would answer for a file gone bad underneath)."""

        def run(_: sqlite3.Connection) -> None:
            conn = sqlite3.connect(read_only_uri(self.path), uri=True)
            try:
                conn.execute("SELECT COUNT(*) FROM (SELECT 1 FROM resource LIMIT 1)").fetchone()
            finally:
                conn.close()

        await self._hop(self._require(self._reader), run)

    async def read(self, fn: Unit[T], *, patient: bool = False, planned_for_values: bool = False) -> T:
        """Run `fn(conn)` against one consistent snapshot, off the writer: on the event loop if
        it need not wait, else on the reader's thread (see the module's note). `patient`: a long
        read (an integrity check), run on the thread so the event loop never waits on it.
        `planned_for_values`: nothing to do (SQLite plans each statement for its values)."""
        checked = _on_sqlite(with_checks(fn, write=False))
        try:
            raw = self._require(self._reader)._conn
            if not patient and not self._reader_on_thread:
                try:
                    return in_read_snapshot(raw, checked)
                except sqlite3.OperationalError as error:
                    if not busy(error) or raw.in_transaction:
                        raise
            return await self._on_reader_thread(patiently, self._busy_timeout_ms, in_read_snapshot, checked)
        except sqlite3.OperationalError as error:
            raise storage_refusal(error, self.path) or error from None

    async def _on_reader_thread(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(conn, *args)` on the reader's thread, which has the reader until it is done (shielded:
        a cancelled caller must not leave the thread and the loop on the connection at once)."""
        self._reader_on_thread += 1
        try:
            with anyio.CancelScope(shield=True):
                result = await self._hop(self._require(self._reader), fn, *args)
            return result
        finally:
            self._reader_on_thread -= 1

    async def backup(self, dest: Path) -> None:
        """Copy the whole database to a new file `dest` with SQLite's online backup: a consistent
        copy, safe while other processes write (created readable by its owner only)."""

        def run(conn: sqlite3.Connection) -> None:
            create_private(dest, exclusive=True)
            target = sqlite3.connect(str(dest))
            try:
                conn.backup(target)
                # One self-contained file (a read-only open in WAL mode leaves -wal/-shm); serve turns WAL on.
                target.execute("PRAGMA journal_mode = DELETE")
            finally:
                target.close()

        await self._on_reader_thread(run)

    async def _connect(self, check_same_thread: bool = True, read_only: bool = False) -> aiosqlite.Connection:
        target = read_only_uri(self.path) if read_only else str(self.path)
        conn = await aiosqlite.connect(target, isolation_level=None, check_same_thread=check_same_thread, uri=read_only)
        try:
            await self._hop(conn, configure, self._busy_timeout_ms, self._synchronous, read_only)
        except BaseException:
            await conn.close()
            raise
        return conn

    @staticmethod
    async def _hop(conn: aiosqlite.Connection, fn: Callable[..., T], *args: Any) -> T:
        raw = conn._conn  # the sqlite3 connection that lives on `conn`'s thread
        return await conn._execute(fn, raw, *args)

    @staticmethod
    def _require(conn: aiosqlite.Connection | None) -> aiosqlite.Connection:
        if conn is None:
            raise RuntimeError("the database is not open")
        return conn


def _on_sqlite(unit: Unit[T]) -> Callable[[sqlite3.Connection], T]:
    """The unit of work as a function of the raw connection, run to its end at once wherever it is
    called; a unit that erased content marks the connection (erasure.py)."""

    def on(raw: sqlite3.Connection) -> T:
        conn = SqliteConnection(raw)
        result = run(unit, conn)
        if conn.erases:
            erasure.mark(raw)
        return result

    return on
