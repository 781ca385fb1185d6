"""A task update's transaction on PostgreSQL, driven four ways: what psycopg 3's pipeline mode would
save over asyncpg's four round trips, measured on the exact statements worktrail sends today.

One `ts.tsk.update` on PostgreSQL is (tests/test_postgresql_round_trips.py):

  1. BEGIN; SET LOCAL lock_timeout; SELECT pg_advisory_xact_lock(...); EXECUTE worktrail_key_as_known(...)
  2. SELECT * FROM task WHERE id = $1                      (the lifecycle decides in Python)
  3. WITH answered AS (UPDATE task ... WHERE id AND status RETURNING version), inserted AS (INSERT
     INTO change_record ... FROM answered) SELECT * FROM answered
  4. COMMIT

Shapes, each a task moved active <-> planned with its change record, on one connection:

  - asyncpg-4: the above, as worktrail sends it (asyncpg 0.32);
  - psycopg-4: the same four round trips on psycopg 3's async API (the driver's own cost);
  - psycopg-pipeline-2: psycopg 3's pipeline mode: BEGIN, the lock, the key check and the task's
    read in one flush; the compare-and-set with its record and COMMIT in a second;
  - asyncpg-2-optimistic: no transaction around the decision: the task read with the key check,
    then one statement that takes the lock, compares-and-sets on status and version and records.
    Measured to know what it would give; it is NOT worktrail's guarantee (the key check no longer
    follows the lock, a lost race must be retried by the caller).

After a warm-up, N sequential updates per shape in interleaved blocks of 100 (so the machine's drift
falls on all alike); calls/s, p50, p99 and the ratio to asyncpg-4. Makes a ledger with
`worktrail init` in an existing, empty database.

    python benchmarks/bench_pg_pipeline.py --postgresql postgresql:///bench_pipe [--calls 3000]

Run by hand, never in CI. Needs `pip install psycopg[binary]` besides worktrail.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import psycopg

from worktrail.domain.clock import SystemClock, format_ts
from worktrail.domain.ids import new_id
from worktrail.store.postgresql.database import WRITE_LOCK
from worktrail.store.postgresql.key_check import PREPARE

BLOCK = 100
KEY_CHECK = PREPARE.split(" AS ", 1)[1]  # the prepared key check's query, $1..$4
CAS = (
    "WITH answered AS (UPDATE task SET status = $1, updated_at = $2, version = version + 1"
    " WHERE id = $3 AND status = $4 RETURNING version), inserted AS (INSERT INTO change_record"
    " (id, at, actor_id, tool, entity_type, entity_id, action, changes, via, version)"
    " SELECT $5, $6, $7, $8, $9, $10, $11, $12, $13, version FROM answered) SELECT * FROM answered"
)
# The task and the key check in one read: the key check's $1..$4 as $2..$5.
READ_CHECKED = "SELECT t.*, (" + re.sub(r"\$(\d)", lambda m: f"${int(m.group(1)) + 1}", KEY_CHECK) + ") FROM task t WHERE t.id = $1"
OPTIMISTIC = (
    "WITH locked AS MATERIALIZED (SELECT pg_advisory_xact_lock($14)), answered AS (UPDATE task SET status = $1,"
    " updated_at = $2, version = version + 1 WHERE id = $3 AND status = $4 AND version = $15"
    " AND EXISTS (SELECT 1 FROM locked) RETURNING version), inserted AS (INSERT INTO change_record"
    " (id, at, actor_id, tool, entity_type, entity_id, action, changes, via, version)"
    " SELECT $5, $6, $7, $8, $9, $10, $11, $12, $13, version FROM answered) SELECT * FROM answered"
)


# The compare-and-set (on status and the version read) with its record, prepared once, answering a
# division by zero when it missed: so that it can run in a simple query, with COMMIT after it.
PREPARE_CAS = (
    "PREPARE bench_cas (text, text, text, text, bigint, text, text, text, text, text, text, text, text, text) AS"
    " WITH answered AS (UPDATE task SET status = $1, updated_at = $2, version = version + 1"
    " WHERE id = $3 AND status = $4 AND ($5 IS NULL OR version = $5) RETURNING version), inserted AS (INSERT INTO"
    " change_record (id, at, actor_id, tool, entity_type, entity_id, action, changes, via, version)"
    " SELECT $6, $7, $8, $9, $10, $11, $12, $13, $14, version FROM answered) SELECT 1 / COUNT(*) FROM answered"
)


def _literal(value: Any) -> str:
    """A parameter written into a simple query: a caller's text as hex, never quoted."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    return f"convert_from('\\x{str(value).encode().hex()}'::bytea, 'UTF8')"


def _cas_literal(params: list[Any], version: int | None) -> str:
    values = [*params[:4], version, *params[4:]]
    return f"EXECUTE bench_cas({', '.join(_literal(v) for v in values)})"


def _psycopg(sql: str) -> str:
    """$n placeholders as psycopg's %s (each used once, in order, in the statements here)."""
    out, n = sql, 1
    while f"${n}" in out:
        n += 1
    for i in range(n - 1, 0, -1):
        out = out.replace(f"${i}", "%s")
    return out


class Ledger:
    """The ids one update needs: the session's key and resource, and the task it moves."""

    def __init__(self, key_id: str, resource_id: str, role: str, name_hex: str, task_id: str) -> None:
        self.key = (key_id, resource_id, role, name_hex)
        self.task_id = task_id

    def cas_params(self, row: Any) -> list[Any]:
        status = row["status"] if isinstance(row, asyncpg.Record) else row[1]
        new = "planned" if status == "active" else "active"
        at = format_ts(SystemClock().now())
        change = json.dumps({"status": [status, new]}, separators=(",", ":"))
        return [new, at, self.task_id, status, new_id("chg"), at, self.key[1], "ts.tsk.update", "task",
                self.task_id, "update", change, None]  # fmt: skip


async def asyncpg_4(raw: asyncpg.Connection, ledger: Ledger) -> None:
    key = "', '".join(ledger.key)
    await raw.execute(f"BEGIN; SET LOCAL lock_timeout = 10000; SELECT pg_advisory_xact_lock({WRITE_LOCK});"
                      f" EXECUTE worktrail_key_as_known('{key}')")  # fmt: skip
    row = await raw.fetchrow("SELECT * FROM task WHERE id = $1", ledger.task_id)
    assert await raw.fetchrow(CAS, *ledger.cas_params(row)) is not None
    await raw.execute("COMMIT")


async def asyncpg_2_optimistic(raw: asyncpg.Connection, ledger: Ledger) -> None:
    row = await raw.fetchrow(READ_CHECKED, ledger.task_id, *ledger.key)
    assert await raw.fetchrow(OPTIMISTIC, *ledger.cas_params(row), WRITE_LOCK, row["version"]) is not None


async def asyncpg_3_commit_folded(raw: asyncpg.Connection, ledger: Ledger) -> None:
    key = "', '".join(ledger.key)
    await raw.execute(f"BEGIN; SET LOCAL lock_timeout = 10000; SELECT pg_advisory_xact_lock({WRITE_LOCK});"
                      f" EXECUTE worktrail_key_as_known('{key}')")  # fmt: skip
    row = await raw.fetchrow("SELECT * FROM task WHERE id = $1", ledger.task_id)
    await raw.execute(f"{_cas_literal(ledger.cas_params(row), None)}; COMMIT")


async def asyncpg_2_locked(raw: asyncpg.Connection, ledger: Ledger) -> None:
    """Read first (no transaction), then one simple query: BEGIN, the lock, the key re-check after it,
    the compare-and-set on status and the version read (a miss fails, and the unit would run again),
    its record, COMMIT: every guarantee of today's shape, in two round trips."""
    row = await raw.fetchrow("SELECT * FROM task WHERE id = $1", ledger.task_id)
    key = "', '".join(ledger.key)
    await raw.execute(f"BEGIN; SET LOCAL lock_timeout = 10000; SELECT pg_advisory_xact_lock({WRITE_LOCK});"
                      f" EXECUTE worktrail_key_as_known('{key}');"
                      f" {_cas_literal(ledger.cas_params(row), row['version'])}; COMMIT")  # fmt: skip


async def psycopg_4(conn: psycopg.AsyncConnection, ledger: Ledger) -> None:
    await conn.execute(f"BEGIN; SET LOCAL lock_timeout = 10000; SELECT pg_advisory_xact_lock({WRITE_LOCK})")
    await conn.execute(_psycopg(KEY_CHECK), ledger.key, prepare=True)
    row = await (await conn.execute("SELECT id, status FROM task WHERE id = %s", (ledger.task_id,), prepare=True)).fetchone()
    assert await (await conn.execute(_psycopg(CAS), ledger.cas_params(row), prepare=True)).fetchone() is not None
    await conn.execute("COMMIT")


async def psycopg_pipeline_2(conn: psycopg.AsyncConnection, ledger: Ledger) -> None:
    async with conn.pipeline():
        await conn.execute("BEGIN")
        await conn.execute("SET LOCAL lock_timeout = 10000")
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,), prepare=True)
        await conn.execute(_psycopg(KEY_CHECK), ledger.key, prepare=True)
        task = await conn.execute("SELECT id, status FROM task WHERE id = %s", (ledger.task_id,), prepare=True)
        row = await task.fetchone()  # the first flush: everything above, one round trip
        cas = await conn.execute(_psycopg(CAS), ledger.cas_params(row), prepare=True)
        await conn.execute("COMMIT")
    assert await cas.fetchone() is not None  # the second flush ended with the pipeline's sync


async def _timed(run: Callable[[], Awaitable[None]], n: int, latencies: list[float]) -> float:
    started = time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter()
        await run()
        latencies.append(time.perf_counter() - t0)
    return time.perf_counter() - started


def _make_ledger(url: str) -> Ledger:
    made = subprocess.run([sys.executable, "-m", "worktrail", "init", "--db", url, "--json"], capture_output=True,
                          text=True, check=True)  # fmt: skip
    api_key = json.loads(made.stdout)["api_key"]
    task = subprocess.run([sys.executable, "-m", "worktrail", "call", "--db", url, "ts.tsk.create",
                           json.dumps({"title": "Benchmark task"})], capture_output=True, text=True,
                          env={**os.environ, "WORKTRAIL_API_KEY": api_key})  # fmt: skip
    task_id = json.loads(task.stdout)["id"]
    return Ledger("", "", "", "", task_id)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    ledger = _make_ledger(args.postgresql)
    a = await asyncpg.connect(args.postgresql, server_settings={"synchronous_commit": "off"})
    key = await a.fetchrow("SELECT k.id, r.id AS resource_id, r.role, encode(convert_to(r.name, 'UTF8'), 'hex') AS name"
                           " FROM api_key k JOIN resource r ON r.id = k.resource_id LIMIT 1")  # fmt: skip
    ledger.key = (key["id"], key["resource_id"], key["role"], key["name"])
    await a.execute(PREPARE)
    b = await asyncpg.connect(args.postgresql, server_settings={"synchronous_commit": "off"})
    c = await asyncpg.connect(args.postgresql, server_settings={"synchronous_commit": "off"})
    d = await asyncpg.connect(args.postgresql, server_settings={"synchronous_commit": "off"})
    for raw in (c, d):
        await raw.execute(PREPARE)
        await raw.execute(PREPARE_CAS)
    p = await psycopg.AsyncConnection.connect(args.postgresql, autocommit=True, options="-c synchronous_commit=off")
    q = await psycopg.AsyncConnection.connect(args.postgresql, autocommit=True, options="-c synchronous_commit=off")
    shapes: dict[str, Callable[[], Awaitable[None]]] = {
        "asyncpg-4": lambda: asyncpg_4(a, ledger),
        "psycopg-4": lambda: psycopg_4(p, ledger),
        "psycopg-pipeline-2": lambda: psycopg_pipeline_2(q, ledger),
        "asyncpg-3-commit-folded": lambda: asyncpg_3_commit_folded(c, ledger),
        "asyncpg-2-locked": lambda: asyncpg_2_locked(d, ledger),
        "asyncpg-2-optimistic": lambda: asyncpg_2_optimistic(b, ledger),
    }
    if args.only:
        shapes = {k: v for k, v in shapes.items() if k in args.only.split(",")}
    latencies: dict[str, list[float]] = {name: [] for name in shapes}
    elapsed = dict.fromkeys(shapes, 0.0)
    for shape in shapes.values():
        await _timed(shape, args.warmup, [])
    done = 0
    while done < args.calls:
        block = min(BLOCK, args.calls - done)
        for name, shape in shapes.items():
            elapsed[name] += await _timed(shape, block, latencies[name])
        done += block
    for conn in (a, b, c, d):
        await conn.close()
    for conn in (p, q):
        await conn.close()
    first = next(iter(shapes))
    rows = {}
    for name in shapes:
        ordered = sorted(latencies[name])
        rows[name] = {"calls_per_s": len(ordered) / elapsed[name], "p50_ms": statistics.median(ordered) * 1000,
                      "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000}  # fmt: skip
    for row in rows.values():
        row["ratio"] = row["calls_per_s"] / rows[first]["calls_per_s"]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgresql", metavar="URL", required=True, help="an existing, empty database")
    parser.add_argument("--calls", type=int, default=3000, help="measured updates per shape (default 3000)")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured updates first (default 200)")
    parser.add_argument("--only", help="comma-separated shapes to run (default: all)")
    rows = asyncio.run(run(parser.parse_args()))
    print("| shape | calls/s | p50 ms | p99 ms | ratio to asyncpg-4 |\n|---|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['calls_per_s']:.0f} | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} | {r['ratio']:.2f} |")


if __name__ == "__main__":
    main()
