"""The database under load from elsewhere: a write that finds SQLite's lock taken by another
process waits off the event loop, and the WAL stays bounded with checkpoints off the request path."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import anyio
import pytest

from worktrail.domain.errors import ToolError
from worktrail.store.connection import Connection
from worktrail.store.sqlite.database import SqliteDatabase as Database

T = TypeVar("T")

pytestmark = pytest.mark.anyio


async def _scratch(conn: Connection) -> None:
    await conn.execute("CREATE TABLE IF NOT EXISTS scratch (n INTEGER, body BLOB)")


async def _count(conn: Connection) -> int:
    return int((await conn.fetchone("SELECT COUNT(*) FROM scratch"))[0])


async def _thread(conn: Connection) -> int:
    return threading.get_ident()


async def test_a_write_finding_the_lock_taken_waits_for_it_while_the_loop_runs_on(db_path: Path) -> None:
    async with Database(db_path) as db:
        await db.write(_scratch)
        other = sqlite3.connect(db_path, isolation_level=None)  # another process's writer
        other.execute("BEGIN IMMEDIATE")
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await anyio.sleep(0.01)
                ticks += 1

        async def release_later() -> None:
            await anyio.sleep(0.5)
            other.execute("COMMIT")

        async with anyio.create_task_group() as group:
            group.start_soon(tick)
            group.start_soon(release_later)
            await db.write(lambda conn: conn.execute("INSERT INTO scratch (n) VALUES (1)"))
            group.cancel_scope.cancel()
        other.close()
        assert ticks >= 20, "the event loop went on serving while the write waited for the lock"
        assert await db.read(_count) == 1


async def test_a_lock_held_past_the_busy_timeout_is_refused_and_changes_nothing(db_path: Path) -> None:
    async with Database(db_path, busy_timeout_ms=200) as db:
        await db.write(_scratch)
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(ToolError) as refused:
            await db.write(lambda conn: conn.execute("INSERT INTO scratch (n) VALUES (1)"))
        other.execute("COMMIT")
        other.close()
        assert refused.value.code == "rate_limited" and refused.value.details["reason"] == "database_busy"
        assert await db.read(_count) == 0
        await db.write(lambda conn: conn.execute("INSERT INTO scratch (n) VALUES (2)"))  # and the writer works on


async def test_a_steady_stream_of_writes_keeps_the_wal_bounded(db_path: Path) -> None:
    """No checkpoint runs inside a COMMIT, so the background ones must keep up: 3,000 writes of
    8 KiB with no pause (about 48 MiB of WAL frames) never grow the WAL file much past its 16 MiB limit."""
    wal = Path(f"{db_path}-wal")
    largest = 0
    async with Database(db_path) as db:
        await db.write(_scratch)
        for n in range(3000):
            await db.write(lambda conn, n=n: conn.execute("INSERT INTO scratch VALUES (?, randomblob(8192))", (n,)))
            largest = max(largest, wal.stat().st_size)
            if n % 100 == 0:
                await anyio.sleep(0)
    assert largest < 24 * 1024 * 1024, f"the WAL grew to {largest // 1024} KiB"


async def test_after_writes_pause_the_checkpoint_thread_starts_the_wal_again_itself_and_only_once(
    db_path: Path,
) -> None:
    """The first write into a checkpointed WAL pays a sync; the thread makes that write while
    nobody waits, once per pause (its own write brings no further checkpoint)."""

    async def restarts(conn: Connection) -> int:
        return int((await conn.fetchone("SELECT n FROM wal_restart"))[0])

    async with Database(db_path) as db:
        await db.write(_scratch)
        before = await db.read(restarts)
        for n in range(5):
            await db.write(lambda conn, n=n: conn.execute("INSERT INTO scratch (n) VALUES (?)", (n,)))
        after_pause = await _waited_for(lambda: db.read(restarts), lambda n: n > before)
        await anyio.sleep(0.5)
        assert after_pause == before + 1
        assert await db.read(restarts) == after_pause, "no checkpoint and restart without new writes"


async def test_planner_statistics_are_gathered_in_the_background_once_writes_pause(db_path: Path) -> None:
    async with Database(db_path, analyze_after=0.1) as db:
        await db.write(_scratch)
        await db.write(lambda conn: conn.execute("CREATE INDEX IF NOT EXISTS scratch_n ON scratch(n)"))
        for n in range(20):
            await db.write(lambda conn, n=n: conn.execute("INSERT INTO scratch (n) VALUES (?)", (n,)))

        async def statistics(conn: Connection) -> dict[str, str]:
            if not await conn.fetchone("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"):
                return {}
            return {row[0]: row[1] for row in await conn.fetchall("SELECT idx, stat FROM sqlite_stat1")}

        stats = await _waited_for(lambda: db.read(statistics), lambda found: "scratch_n" in found)
    assert stats["scratch_n"].split()[0] == "20", "the index's rows, counted by ANALYZE"


async def _waited_for(read: Callable[[], Awaitable[T]], done: Callable[[T], bool], seconds: float = 10) -> T:
    """What `read` answers once `done` says so (the background thread's work has shown), or at the
    deadline, whatever it is then."""
    deadline = anyio.current_time() + seconds
    while not done(value := await read()) and anyio.current_time() < deadline:
        await anyio.sleep(0.02)
    return value


async def test_a_short_read_runs_on_the_event_loop_and_a_long_one_on_the_readers_thread(db_path: Path) -> None:
    """A thread's round trip costs more than a short read (see database.py): reads run on the loop."""
    loop_thread = threading.get_ident()
    async with Database(db_path) as db:
        short = await db.read(_thread)
        long = await db.read(_thread, patient=True)
    assert short == loop_thread
    assert long != loop_thread


async def test_a_read_refused_by_a_lock_on_the_loop_is_retried_on_the_readers_thread(db_path: Path) -> None:
    """A WAL reader is refused (SQLITE_BUSY) only rarely, as when another process recovers the WAL;
    such a read must not fail, nor wait on the loop: it waits on the reader's thread instead."""
    threads: list[int] = []

    async def refused_once(conn: Connection) -> int:
        threads.append(threading.get_ident())
        if len(threads) == 1:
            raise sqlite3.OperationalError("database is locked")
        return await _count(conn)

    async with Database(db_path) as db:
        await db.write(_scratch)
        assert await db.read(refused_once) == 0
    assert threads[0] == threading.get_ident() and threads[1] != threading.get_ident()


async def test_while_a_long_read_has_the_readers_thread_other_reads_wait_their_turn_there(db_path: Path) -> None:
    """The loop never uses the reader while its thread does: one connection, one user at a time."""
    spans: dict[str, tuple[float, float, int]] = {}

    def timed(name: str, seconds: float) -> Callable[[Connection], Awaitable[None]]:
        async def run(conn: Connection) -> None:
            start = time.monotonic()
            time.sleep(seconds)
            spans[name] = (start, time.monotonic(), threading.get_ident())

        return run

    async with Database(db_path) as db:
        async with anyio.create_task_group() as group:
            group.start_soon(partial(db.read, timed("long", 0.3), patient=True))
            await anyio.sleep(0.05)  # the long read has the thread
            await db.read(timed("short", 0))
    assert spans["short"][0] >= spans["long"][1], "the short read ran only once the long one was done"
    assert spans["short"][2] == spans["long"][2] != threading.get_ident()


def test_a_checkpoint_that_fails_once_is_tried_again_quietly_and_said_when_it_fails_again(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A checkpoint's first failure is what the write that just failed said already (a full disk
    under `worktrail call`: one line, not two) or a lock the next round finds free; a second in a
    row is a warning, and a success starts the count again."""
    from worktrail.store.sqlite.checkpoints import Checkpointer

    sqlite3.connect(db_path).execute("PRAGMA journal_mode = WAL").fetchone()
    checkpointer = Checkpointer(db_path)
    broken = sqlite3.connect(db_path)
    broken.close()  # every statement on it is an sqlite3.Error
    good = sqlite3.connect(db_path, isolation_level=None)
    caplog.set_level(logging.DEBUG, logger="worktrail.store.sqlite.checkpoints")

    def warnings() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]

    assert checkpointer._checkpoint(broken, 1000) is False and warnings() == []
    assert checkpointer._checkpoint(broken, 1000) is False and len(warnings()) == 1
    assert "2 in a row" in warnings()[0]
    checkpointer._checkpoint(good, 1000)
    assert checkpointer._checkpoint(broken, 1000) is False and len(warnings()) == 1, "counted again from a success"
    good.close()
