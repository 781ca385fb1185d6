"""`ts.tsk.list {ready: true}` and `ts.tsk.get`'s blocked_by on a big ledger, interleaved with the
status list of the same page (the baseline), read from the store as the tools' handlers read it.

    python benchmarks/bench_ready.py /path/to/copy-of-big.db [rounds]   # or postgresql:///a-copy

The first run relates the newest 2,000 planned tasks each to an older planned one (a ready page
must skip them); later runs reuse those relations. Use a copy: it writes to the ledger."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

from worktrail.domain.clock import SystemClock, format_ts
from worktrail.store.audit import Origin
from worktrail.store.store import Store

WAITING = 2000


async def main(path: str, rounds: int) -> None:
    store = await Store.open(path)
    owner = await store.db.read(lambda c: c.fetchone("SELECT id FROM resource WHERE role = 'owner' LIMIT 1"))
    origin = Origin(owner[0], "bench", format_ts(SystemClock().now()))
    newest = [r[0] for r in await store.db.read(lambda c: c.fetchall(
        "SELECT id FROM task WHERE status = 'planned' ORDER BY rowid DESC LIMIT ?", [2 * WAITING]))]  # fmt: skip
    if (await store.db.read(lambda c: c.fetchone("SELECT COUNT(*) FROM relation")))[0] == 0:
        for waiting, awaited in zip(newest[:WAITING], newest[WAITING:], strict=True):
            await store.relations.create(origin, {"relationship_type": "depends_on", "source_entity_type": "task",
                                                  "source_entity_id": waiting, "target_entity_type": "task",
                                                  "target_entity_id": awaited})  # fmt: skip
    explain = "EXPLAIN" if path.startswith("postgresql") else "EXPLAIN QUERY PLAN"
    plan = await store.db.read(lambda c: c.fetchall(
        f"{explain} SELECT * FROM task WHERE status = 'planned' AND open_dependencies = 0 "
        "ORDER BY rowid DESC LIMIT 50"))  # fmt: skip
    print("plan of a ready page:", " | ".join(tuple(r)[-1] for r in plan))

    def listing(**more: object):  # type: ignore[no-untyped-def]
        return lambda: store.tasks.list(statuses=more.pop("statuses", None), endeavour_id=None, assignee_id=None,
                                        search=None, limit=50, **more)  # type: ignore[arg-type]  # fmt: skip

    cases = {
        "status planned (baseline)": listing(statuses=["planned"], offset=0),
        "ready": listing(ready=True, offset=0),
        "ready, offset 500": listing(ready=True, offset=500),
        "get with blocked_by": lambda: store.tasks.get(newest[0]),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, run in cases.items():
            started = time.perf_counter()
            await run()
            times[name].append((time.perf_counter() - started) * 1000)
    rows, total = await cases["ready"]()
    assert not {r["id"] for r in rows} & set(newest[:WAITING]), "a waiting task was listed as ready"
    print(f"ready: total {total:,} (counted up to the cap); blocked_by of the newest: "
          f"{(await cases['get with blocked_by']())['blocked_by']}")  # fmt: skip
    base = statistics.median(times["status planned (baseline)"])
    for name, ms in times.items():
        p90 = sorted(ms)[int(len(ms) * 0.9)]
        print(f"| {name} | {statistics.median(ms):.2f} | {p90:.2f} | {statistics.median(ms) / base:.2f} |")
    await store.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 200))
