"""Which PostgreSQL driver, and which way to drive it: measured on worktrail's own unit of work.

A call of worktrail's is one transaction of a few statements (a task update: read the row,
compare-and-set its status and version, write its change record, commit) or one short read (a
key looked up by its hash). This runs both, side by side in one run, three ways:

  - psycopg-thread: psycopg 3's sync API, the whole transaction as one function on a pooled
    connection (psycopg_pool.ConnectionPool) in a worker thread: one thread round trip a call,
    and the same shape as the SQLite store's units of work;
  - psycopg-async: psycopg 3's async API (AsyncConnectionPool), each statement awaited;
  - asyncpg: asyncpg's pool, each statement awaited.

Sequential (calls/s, p50, p99; interleaved in blocks so the machine's drift falls on all alike)
and concurrent (8 and 32 tasks for a fixed time). It makes a throwaway database and drops it.

    python benchmarks/bench_pg_drivers.py [--url postgresql:///postgres] [--calls 2000] [--seconds 5]

Run by hand, never in CI. Needs `pip install psycopg[binary] psycopg-pool asyncpg`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from typing import Any

import anyio
import anyio.to_thread
import asyncpg
import psycopg
import psycopg_pool

SCHEMA = """
CREATE TABLE task (id TEXT PRIMARY KEY, status TEXT NOT NULL, version BIGINT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE change (id BIGSERIAL PRIMARY KEY, entity_id TEXT NOT NULL, body JSONB NOT NULL, at TEXT NOT NULL);
CREATE TABLE api_key (id TEXT PRIMARY KEY, key_hash TEXT UNIQUE NOT NULL, resource_id TEXT NOT NULL);
"""
TASKS = 64
STATUSES = ("active", "planned")


def _at() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# The unit of work, written once per driver family (psycopg's %s, asyncpg's $n).


def update_sync(conn: psycopg.Connection[Any], n: int) -> None:
    with conn.transaction():
        task = f"tsk_{n % TASKS}"
        row = conn.execute("SELECT status, version FROM task WHERE id = %s", (task,)).fetchone()
        assert row is not None
        status, version = row
        new = STATUSES[1] if status == STATUSES[0] else STATUSES[0]
        done = conn.execute(
            "UPDATE task SET status = %s, version = version + 1, updated_at = %s "
            "WHERE id = %s AND status = %s AND version = %s",
            (new, _at(), task, status, version),
        ).rowcount
        if done == 1:
            conn.execute(
                "INSERT INTO change (entity_id, body, at) VALUES (%s, %s, %s)",
                (task, json.dumps({"status": [status, new]}), _at()),
            )


def lookup_sync(conn: psycopg.Connection[Any], n: int) -> None:
    row = conn.execute("SELECT id, resource_id FROM api_key WHERE key_hash = %s", (f"hash_{n % TASKS}",)).fetchone()
    assert row is not None


async def update_psycopg_async(conn: psycopg.AsyncConnection[Any], n: int) -> None:
    async with conn.transaction():
        task = f"tsk_{n % TASKS}"
        row = await (await conn.execute("SELECT status, version FROM task WHERE id = %s", (task,))).fetchone()
        assert row is not None
        status, version = row
        new = STATUSES[1] if status == STATUSES[0] else STATUSES[0]
        done = (
            await conn.execute(
                "UPDATE task SET status = %s, version = version + 1, updated_at = %s "
                "WHERE id = %s AND status = %s AND version = %s",
                (new, _at(), task, status, version),
            )
        ).rowcount
        if done == 1:
            await conn.execute(
                "INSERT INTO change (entity_id, body, at) VALUES (%s, %s, %s)",
                (task, json.dumps({"status": [status, new]}), _at()),
            )


async def lookup_psycopg_async(conn: psycopg.AsyncConnection[Any], n: int) -> None:
    cursor = await conn.execute("SELECT id, resource_id FROM api_key WHERE key_hash = %s", (f"hash_{n % TASKS}",))
    assert await cursor.fetchone() is not None


async def update_asyncpg(conn: asyncpg.Connection, n: int) -> None:
    async with conn.transaction():
        task = f"tsk_{n % TASKS}"
        row = await conn.fetchrow("SELECT status, version FROM task WHERE id = $1", task)
        status, version = row["status"], row["version"]
        new = STATUSES[1] if status == STATUSES[0] else STATUSES[0]
        done = await conn.execute(
            "UPDATE task SET status = $1, version = version + 1, updated_at = $2 "
            "WHERE id = $3 AND status = $4 AND version = $5",
            new, _at(), task, status, version,
        )  # fmt: skip
        if done == "UPDATE 1":
            await conn.execute(
                "INSERT INTO change (entity_id, body, at) VALUES ($1, $2::jsonb, $3)",
                task, json.dumps({"status": [status, new]}), _at(),
            )  # fmt: skip


async def lookup_asyncpg(conn: asyncpg.Connection, n: int) -> None:
    assert await conn.fetchrow("SELECT id, resource_id FROM api_key WHERE key_hash = $1", f"hash_{n % TASKS}")


class Way:
    """One way of driving PostgreSQL: `call(kind, n)` runs one unit of work of that kind."""

    name = ""

    async def open(self, url: str, size: int) -> None: ...
    async def close(self) -> None: ...
    async def call(self, kind: str, n: int) -> None: ...


class PsycopgThread(Way):
    name = "psycopg-thread"

    async def open(self, url: str, size: int) -> None:
        self.pool = psycopg_pool.ConnectionPool(url, min_size=size, max_size=size, open=True)
        self.limiter = anyio.CapacityLimiter(size)

    async def close(self) -> None:
        self.pool.close()

    async def call(self, kind: str, n: int) -> None:
        unit = update_sync if kind == "update" else lookup_sync

        def run() -> None:
            with self.pool.connection() as conn:
                unit(conn, n)

        await anyio.to_thread.run_sync(run, limiter=self.limiter)


class PsycopgAsync(Way):
    name = "psycopg-async"

    async def open(self, url: str, size: int) -> None:
        self.pool = psycopg_pool.AsyncConnectionPool(url, min_size=size, max_size=size, open=False)
        await self.pool.open()

    async def close(self) -> None:
        await self.pool.close()

    async def call(self, kind: str, n: int) -> None:
        async with self.pool.connection() as conn:
            await (update_psycopg_async if kind == "update" else lookup_psycopg_async)(conn, n)


class Asyncpg(Way):
    name = "asyncpg"

    async def open(self, url: str, size: int) -> None:
        self.pool = await asyncpg.create_pool(url, min_size=size, max_size=size)

    async def close(self) -> None:
        await self.pool.close()

    async def call(self, kind: str, n: int) -> None:
        async with self.pool.acquire() as conn:
            await (update_asyncpg if kind == "update" else lookup_asyncpg)(conn, n)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def sequential(ways: list[Way], kind: str, calls: int, block: int = 100) -> dict[str, dict[str, float]]:
    times: dict[str, list[float]] = {w.name: [] for w in ways}
    for start in range(0, calls, block):
        for way in ways:
            for n in range(start, start + block):
                began = time.perf_counter()
                await way.call(kind, n)
                times[way.name].append(time.perf_counter() - began)
    return {
        name: {"calls_per_s": round(len(t) / sum(t), 1), "p50_ms": round(statistics.median(t) * 1000, 3),
               "p99_ms": round(_percentile(t, 0.99) * 1000, 3)}
        for name, t in times.items()
    }  # fmt: skip


async def concurrent(way: Way, kind: str, tasks: int, seconds: float) -> float:
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(k: int) -> None:
        nonlocal done
        n = k
        while time.perf_counter() < deadline:
            await way.call(kind, n)
            n += tasks
            done += 1

    began = time.perf_counter()
    async with anyio.create_task_group() as group:
        for k in range(tasks):
            group.start_soon(worker, k)
    return round(done / (time.perf_counter() - began), 1)


async def run(url: str, calls: int, seconds: float, pool: int, synchronous_commit: str) -> dict[str, Any]:
    admin = await asyncpg.connect(url)
    name = f"worktrail_drivers_{os.getpid()}"
    await admin.execute(f"CREATE DATABASE {name}")
    await admin.execute(f"ALTER DATABASE {name} SET synchronous_commit = {synchronous_commit}")
    target = url.rsplit("/", 1)[0] + "/" + name
    try:
        setup = await asyncpg.connect(target)
        await setup.execute(SCHEMA)
        await setup.executemany(
            "INSERT INTO task VALUES ($1, 'active', 1, $2)", [(f"tsk_{i}", _at()) for i in range(TASKS)]
        )
        await setup.executemany(
            "INSERT INTO api_key VALUES ($1, $2, 'res')", [(f"key_{i}", f"hash_{i}") for i in range(TASKS)]
        )
        await setup.close()
        ways: list[Way] = [PsycopgThread(), PsycopgAsync(), Asyncpg()]
        for way in ways:
            await way.open(target, pool)
        report: dict[str, Any] = {
            "pool": pool,
            "synchronous_commit": synchronous_commit,
            "sequential": {},
            "concurrent": {},
        }
        try:
            for kind in ("update", "lookup"):
                await sequential(ways, kind, 200)  # warm-up
                report["sequential"][kind] = await sequential(ways, kind, calls)
                for tasks in (8, 32):
                    report["concurrent"][f"{kind}@{tasks}"] = {
                        way.name: await concurrent(way, kind, tasks, seconds) for way in ways
                    }
        finally:
            for way in ways:
                await way.close()
        return report
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="postgresql:///postgres", help="a database to make the throwaway one from")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--pool", type=int, default=8, help="connections in each pool")
    parser.add_argument("--synchronous-commit", choices=("on", "off"), default="on",
                        help="on: each COMMIT waits for its WAL to reach the disk; off: for the WAL writer")  # fmt: skip
    args = parser.parse_args()
    report = anyio.run(run, args.url, args.calls, args.seconds, args.pool, args.synchronous_commit)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
