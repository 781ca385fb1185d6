"""worktrail at a million tasks: builds the ledger, then measures its lists and its size.

The ledger is built through the store's own write path — `worktrail init`, endeavours and
resources through their tools, then `store.tasks.create` and `store.tasks.update` (the functions
`ts.tsk.create` and `ts.tsk.update` run) called in transactions of BATCH tasks, each task with
its change records, the search index following by its triggers. Tasks are made 20 s apart, with
titles and descriptions drawn from a vocabulary of VOCABULARY words; about 30% are then started,
15% finished and 3% canceled, each move one more change record.

    python benchmarks/bench_scale.py --tasks 1000000 [--db PATH|URL] [--json FILE]
    python benchmarks/bench_scale.py --db URL --measure API_KEY      # the lists of a ledger built before

`measure_lists` times `ts.tsk.list` through the registry in this process (the server's time for
the call: validation, query, answer; no transport), `size_report` breaks the file down with
SQLite's dbstat. bench_all.py runs these with the stdio rows side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio

from worktrail.cli.ledger import registry_for
from worktrail.domain.clock import format_ts
from worktrail.store.audit import Origin
from worktrail.store.connection import Connection
from worktrail.store.store import Store
from worktrail.store.tasks import tasks
from worktrail.tools.context import Session

BATCH = 5_000
VOCABULARY = 5_000
START = datetime(2025, 1, 1, tzinfo=UTC)
MOVES = (("active",), ("active", "done"), ("canceled",))  # started; started and finished; canceled
MOVE_SHARES = (0.30, 0.15, 0.03)
_SYLLABLES = "ka lo mi nu pe ra si to vu we xa yo ze bi da fe gu ho ji".split()


def vocabulary(rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def initialise(db: Path | str) -> str:
    made = subprocess.run(
        [sys.executable, "-m", "worktrail", "init", "--db", str(db), "--json"], capture_output=True, text=True
    )
    if made.returncode != 0:
        raise SystemExit(f"worktrail init failed: {made.stderr}")
    return str(json.loads(made.stdout)["api_key"])


async def logged_in(store: Store, api_key: str) -> tuple[Any, Session]:
    registry = registry_for(store)
    session = Session()
    answer = await registry.call("ts.auth.login", {"api_key": api_key}, session)
    assert not answer.is_error, answer.payload
    return registry, session


async def build(db: Path | str, n_tasks: int, seed: int = 7) -> dict[str, Any]:
    """A ledger of `n_tasks` tasks with their audit trail; answers what was made and how long it took."""
    started = time.perf_counter()
    rng = random.Random(seed)
    words = vocabulary(rng)
    api_key = initialise(db)
    store = await Store.open(str(db))
    try:
        registry, session = await logged_in(store, api_key)
        endeavours, assignees = [], []
        for n in range(max(5, n_tasks // 1000)):
            made = await registry.call("ts.edv.create", {"name": f"Endeavour {n}"}, session)
            endeavours.append(made.payload["id"])
        for n in range(50):
            made = await registry.call("ts.res.create", {"name": f"Agent {n}", "type": "agent"}, session)
            assignees.append(made.payload["id"])
        actor = session.actor
        made_ids: list[str] = []
        for first in range(0, n_tasks, BATCH):
            batch = []
            for i in range(first, min(n_tasks, first + BATCH)):
                values: dict[str, Any] = {"title": " ".join(rng.choices(words, k=rng.randint(3, 7))).capitalize()}
                if rng.random() < 0.6:
                    values["description"] = " ".join(rng.choices(words, k=rng.randint(5, 25)))
                if rng.random() < 0.8:
                    values["endeavour_id"] = rng.choice(endeavours)
                if rng.random() < 0.6:
                    values["assignee_id"] = rng.choice(assignees)
                batch.append((format_ts(START + timedelta(seconds=20 * i)), values))

            async def create(conn: Connection, batch: list = batch) -> list[str]:
                return [await tasks.create(conn, Origin(actor.resource_id, "ts.tsk.create", at), v) for at, v in batch]

            made_ids += await store.db.write(create, patient=True)
            print(f"built {len(made_ids):,}/{n_tasks:,} tasks", file=sys.stderr)
        moves = 0
        for first in range(0, len(made_ids), BATCH):
            chunk = made_ids[first : first + BATCH]

            async def move(conn: Connection, chunk: list[str] = chunk) -> int:
                done = 0
                for task_id in chunk:
                    draw, path = rng.random(), ()
                    for share, steps in zip(MOVE_SHARES, MOVES, strict=True):
                        if draw < share:
                            path = steps
                            break
                        draw -= share
                    at = format_ts(START + timedelta(seconds=20 * n_tasks))
                    for status in path:
                        changes = {
                            "status": status,
                            **({"canceled_reason": "Not needed"} if status == "canceled" else {}),
                        }
                        await tasks.update(
                            conn, Origin(actor.resource_id, "ts.tsk.update", at), actor, task_id, changes
                        )
                        done += 1
                return done

            moves += await store.db.write(move, patient=True)
        await store.db.write(lambda conn: conn.execute("ANALYZE"), patient=True)
    finally:
        await store.close()
    return {"tasks": n_tasks, "moves": moves, "build_s": round(time.perf_counter() - started, 1), "api_key": api_key}


def count_tasks(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM task").fetchone()[0])


async def list_cases(store: Store) -> dict[str, dict[str, Any]]:
    """The `ts.tsk.list` calls measured: limit 50 each, as the issue lists them."""

    async def picks(conn: Connection) -> list[Any]:
        return [(await conn.fetchone(sql))[0] for sql in (
            "SELECT endeavour_id FROM task WHERE endeavour_id IS NOT NULL LIMIT 1",
            "SELECT assignee_id FROM task WHERE assignee_id IS NOT NULL LIMIT 1",
            "SELECT title FROM task ORDER BY rowid DESC LIMIT 1",
        )]  # fmt: skip

    endeavour, assignee, title = await store.db.read(picks)
    return {
        "no filter": {"limit": 50},
        "status": {"limit": 50, "status": ["active"]},
        "two statuses": {"limit": 50, "status": ["active", "done"]},
        "endeavour": {"limit": 50, "endeavour_id": endeavour},
        "assignee": {"limit": 50, "assignee_id": assignee},
        "search": {"limit": 50, "search": title.split()[0]},
        # Issue 30: prefixes too short to be selective, and a search with another filter.
        "search and status": {"limit": 50, "search": title.split()[0], "status": ["planned"]},
        "search and endeavour": {"limit": 50, "search": title.split()[0], "endeavour_id": endeavour},
        "search, 1-letter prefix": {"limit": 50, "search": "b"},
        "search, 2-letter prefix": {"limit": 50, "search": "ka"},
        "search, 1-letter prefix and status": {"limit": 50, "search": "b", "status": ["active"]},
        "search, 2-letter prefix and status": {"limit": 50, "search": "ka", "status": ["done"]},
        "search, 2-letter prefix and endeavour": {"limit": 50, "search": "ka", "endeavour_id": endeavour},
        "offset 10,000": {"limit": 50, "offset": 10_000},
    }


async def measure_lists(db: Path | str, api_key: str, repeats: int = 30) -> list[dict[str, Any]]:
    """Each case's server time: median and worst of `repeats` calls after three unmeasured ones."""
    rows = []
    store = await Store.open(str(db))
    try:
        registry, session = await logged_in(store, api_key)
        for label, arguments in (await list_cases(store)).items():
            times = []
            for n in range(repeats + 3):
                t0 = time.perf_counter()
                answer = await registry.call("ts.tsk.list", arguments, session)
                if n >= 3:
                    times.append((time.perf_counter() - t0) * 1000)
                if answer.is_error:
                    raise SystemExit(f"ts.tsk.list {arguments} was refused: {answer.payload}")
            rows.append({
                "case": label, "arguments": arguments, "median_ms": statistics.median(times),
                "max_ms": max(times), "total": answer.payload["total"], "returned": len(answer.payload["tasks"]),
                "total_is_estimate": answer.payload.get("total_is_estimate", False),
            })  # fmt: skip
    finally:
        await store.close()
    return rows


def size_report(db: Path) -> dict[str, Any]:
    """The file's size with its WAL checkpointed, and the MiB each table and index takes."""
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        parts = conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall()
    mib = 1024 * 1024
    return {
        "file_mib": round(os.path.getsize(db) / mib, 1),
        "parts_mib": {name: round(size / mib, 1) for name, size in parts if size >= mib},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--db", help="where to build the ledger: a new file, or an empty PostgreSQL database's URL "
                        "(default: a new file in /tmp)")  # fmt: skip
    parser.add_argument("--json", type=Path)
    parser.add_argument("--measure", metavar="API_KEY",
                        help="build nothing: measure the lists of the ledger --db names (made before, or moved "
                        "there with worktrail migrate), logged in with this key")  # fmt: skip
    parser.add_argument("--repeats", type=int, default=30, help="calls measured per case (default 30)")
    args = parser.parse_args()
    db = args.db or Path(f"/tmp/worktrail-scale-{args.tasks}-{os.getpid()}.db")

    async def run() -> dict[str, Any]:
        if args.measure:
            return {"lists": await measure_lists(db, args.measure, args.repeats)}
        built = await build(db, args.tasks)
        sized = {} if str(db).startswith("postgresql") else {"size": size_report(Path(db))}
        return {**built, "lists": await measure_lists(db, built["api_key"]), **sized}

    report = anyio.run(run)
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
