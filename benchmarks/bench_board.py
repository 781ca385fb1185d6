"""The board's server time per page on a big ledger (issue 20: each page ≤ 50 ms at 1,000,000 tasks).

Each page is asked for through the real board app in this process (httpx's ASGI transport: the
routing, the session check, every tool call the page makes through the registry, the template),
logged in as the owner, with no network and no browser; the login page (a template, no read of
the ledger) is measured side by side as the baseline.

    python benchmarks/bench_board.py --db PATH|URL [--repeats 30] [--json FILE]

Build the ledger first with bench_scale.py (`--tasks 1000000 --db PATH`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import anyio
import httpx2

from worktrail.board.app import board_app
from worktrail.board.options import BoardOptions
from worktrail.board.view import Board
from worktrail.domain.clock import SystemClock
from worktrail.store.connection import Connection
from worktrail.store.store import Store
from worktrail.tools.catalog import ALL_TOOLS
from worktrail.tools.registry import Registry


async def pages_of(store: Store) -> list[str]:
    """Every kind of page, with real ids and filters from the ledger."""

    async def picks(conn: Connection) -> dict[str, Any]:
        async def one(sql: str) -> Any:
            row = await conn.fetchone(sql)
            return row[0] if row else None

        return {
            "task": await one("SELECT id FROM task ORDER BY rowid DESC LIMIT 1"),
            "endeavour": await one("SELECT endeavour_id FROM task WHERE endeavour_id IS NOT NULL LIMIT 1"),
            "assignee": await one("SELECT assignee_id FROM task WHERE assignee_id IS NOT NULL LIMIT 1"),
            "word": await one("SELECT title FROM task ORDER BY rowid LIMIT 1"),
        }

    found = await store.db.read(picks)
    word = (found["word"] or "x").split()[0][:4]
    pages = ["/", "/tasks", f"/tasks?search={word}", "/rituals", "/missions", "/workflows", "/executions",
             "/audit", "/audit?entity_type=task", "/keys", "/tasks?offset=10000"]  # fmt: skip
    if found["task"]:
        pages += [f"/tasks/{found['task']}", f"/audit?entity_id={found['task']}"]
    if found["endeavour"]:
        pages.append(f"/tasks?endeavour_id={found['endeavour']}")
    if found["assignee"]:
        pages.append(f"/tasks?assignee_id={found['assignee']}")
    return pages


async def measure(where: str, repeats: int) -> dict[str, Any]:
    store = await Store.open(where, access="existing")
    try:
        origin = "http://127.0.0.1"  # the one-time address logs in only where it was printed for
        board = Board(Registry(ALL_TOOLS, store), BoardOptions(ticket_origin=origin))
        ticket = await store.board_sessions.ticket(SystemClock().now(), origin)
        transport = httpx2.ASGITransport(app=board_app(board))
        async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            assert (await http.get(f"/login/once?token={ticket}")).status_code == 303
            rows = []
            for path in ["/login?baseline", *await pages_of(store)]:
                times = []
                for _ in range(repeats + 2):
                    started = time.perf_counter()
                    answer = await http.get(path)
                    times.append((time.perf_counter() - started) * 1000)
                    assert answer.status_code == 200, (path, answer.status_code)
                times = sorted(times[2:])  # the first two warm the caches
                rows.append({"page": path, "median_ms": round(statistics.median(times), 2),
                             "p95_ms": round(times[int(len(times) * 0.95) - 1], 2)})  # fmt: skip
        tasks = await store.db.read(lambda conn: conn.fetchone("SELECT COUNT(*) FROM task"))
    finally:
        await store.close()
    baseline = rows[0]["median_ms"]
    for row in rows:
        row["x_baseline"] = round(row["median_ms"] / baseline, 1)
    return {"ledger": where, "tasks": int(tasks[0]), "repeats": repeats, "pages": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="the ledger (a file, or a PostgreSQL URL)")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = anyio.run(measure, args.db, args.repeats)
    print(f"{result['tasks']:,} tasks, {args.repeats} requests a page (server time in this process)")
    print(f"{'page':<60} {'median ms':>10} {'p95 ms':>8} {'x login':>8}")
    for row in result["pages"]:
        print(f"{row['page'][:60]:<60} {row['median_ms']:>10} {row['p95_ms']:>8} {row['x_baseline']:>8}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
