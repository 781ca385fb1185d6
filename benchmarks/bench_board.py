"""The board's server time per page on a big ledger (issues 20 and 31: each page ≤ 50 ms at 1,000,000 tasks).

Each page is asked for through the real board app in this process (httpx's ASGI transport: the
routing, the session check, every tool call the page makes through the registry, the template),
logged in as the owner, with no network and no browser; the login page (a template, no read of
the ledger) is measured side by side as the baseline. The pages are asked in rounds, every page
once a round, so that a burst of the machine's other load falls on every page alike.

    python benchmarks/bench_board.py --db PATH|URL [--repeats 30] [--json FILE] [--skip PAGE ...]

To compare with an older tree, run this file against it (PYTHONPATH=OLD/src) and this tree, in turn.

Build the ledger first with bench_scale.py (`--tasks 1000000 --db PATH`). Its ledger has tasks only:
where a run family has no run, one of each (a ritual's runs, a mission run with its plan, a
workflow run with an attachment, an execution) is made through the tools as the owner, so that
every page of the board has an entity to show.
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
from worktrail.board.reader import Reader
from worktrail.board.view import Board
from worktrail.domain.clock import SystemClock
from worktrail.store.connection import Connection
from worktrail.store.store import Store
from worktrail.tools.catalog import ALL_TOOLS
from worktrail.tools.registry import Registry


async def runs_of(reader: Reader) -> dict[str, Any]:
    """One run of each family, with its parents, for their pages: the ledger's newest, or made
    through the tools as the owner when the ledger has none (bench_scale.py's ledger has tasks only)."""
    found: dict[str, Any] = {}
    rituals = (await reader.ok("ts.rtr.list", limit=1))["runs"]
    if not rituals:
        ritual = await reader.ok("ts.rtl.create", name="Nightly triage", prompt="Triage the new tasks.",
                                 schedule={"type": "cron", "expression": "0 2 * * *"})  # fmt: skip
        for status in ("succeeded", "failed", None):
            run = await reader.ok("ts.rtr.create", ritual_id=ritual["id"])
            if status:
                await reader.ok("ts.rtr.update", id=run["id"], status=status, result_summary="Done.",
                                **({"error": {"code": "late", "message": "Too late."}} if status == "failed" else {}))  # fmt: skip
        rituals = (await reader.ok("ts.rtr.list", limit=1))["runs"]
    found["ritual"], found["ritual_run"] = rituals[0]["ritual_id"], rituals[0]["id"]
    missions = (await reader.ok("ts.msn.list", limit=1))["data"]
    if not missions:
        made = await reader.ok("ts.msn.create", name="Publish the docs site", instructions="Build, check, deploy.")
        run = await reader.ok("ts.mrn.create", mission_id=made["data"]["mission_id"])
        where = {"mission_id": made["data"]["mission_id"], "run_id": run["data"]["run_id"]}
        steps = [{"step_id": "build", "sequence": 1, "description": "Build the site"},
                 {"step_id": "links", "sequence": 1, "description": "Check every link", "parent_step_id": "build"},
                 {"step_id": "deploy", "sequence": 2, "description": "Deploy it"}]  # fmt: skip
        await reader.ok("ts.pln.create", **where, steps=steps)
        await reader.ok("ts.pln.update_step", **where, step_id="build", status="in_progress")
        missions = (await reader.ok("ts.msn.list", limit=1))["data"]
    found["mission"] = missions[0]["mission_id"]
    runs = (await reader.ok("ts.mrn.list", mission_id=found["mission"], limit=1))["data"]
    found["mission_run"] = runs[0]["run_id"]
    workflows = (await reader.ok("ts.wrn.list", limit=1))["items"]
    if not workflows:
        made = await reader.ok("ts.wfl.create", name="Count the docs pages", main_prompt="Count the pages.")
        run = await reader.ok("ts.wrn.create", workflow_id=made["id"])
        await reader.ok("ts.wrn.update", id=run["id"], status="running")
        await reader.ok("ts.att.create", run_id=run["id"], filename="pages.txt", content_base64="MTI=", kind="output")
        workflows = (await reader.ok("ts.wrn.list", limit=1))["items"]
    found["workflow"], found["workflow_run"] = workflows[0]["workflow_id"], workflows[0]["id"]
    attachments = (await reader.ok("ts.att.list", run_id=found["workflow_run"]))["items"]
    found["attachment"] = attachments[0]["id"] if attachments else None
    executions = (await reader.ok("ts.exe.list", limit=1))["items"]
    if not executions:
        await reader.ok("ts.exe.create", config_id="nightly-link-check", config={"pages": 12})
        executions = (await reader.ok("ts.exe.list", limit=1))["items"]
    found["execution"] = executions[0]["execution_id"]
    return found


async def pages_of(store: Store, reader: Reader) -> list[str]:
    """Every kind of page of the board (`board/app.py`'s PAGES), with real ids and filters from the ledger."""

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
    runs = await runs_of(reader)
    word = (found["word"] or "x").split()[0][:4]
    owner = reader.actor.resource_id
    pages = ["/", "/?kind=ritual_run&status=succeeded", "/?status=failed", "/?offset=50",
             "/tasks", f"/tasks?search={word}", "/tasks?offset=10000", "/tasks/new",
             "/endeavours", "/endeavours?status=active", "/endeavours?offset=950", "/endeavours/new",
             "/rituals", "/rituals?status=failed", f"/rituals/{runs['ritual']}", f"/ritual-runs/{runs['ritual_run']}",
             "/missions", f"/missions/{runs['mission']}", f"/missions/{runs['mission']}/runs/{runs['mission_run']}",
             "/workflows", f"/workflows/{runs['workflow']}", f"/workflow-runs/{runs['workflow_run']}",
             "/executions", f"/executions/{runs['execution']}",
             "/audit", "/audit?entity_type=task", f"/people/{owner}", "/keys", "/apps"]  # fmt: skip
    if runs["attachment"]:
        pages.append(f"/attachments/{runs['attachment']}")
    if found["task"]:
        pages += [f"/tasks/{found['task']}", f"/history/{found['task']}", f"/audit?entity_id={found['task']}"]
    if found["endeavour"]:
        pages += [f"/tasks?endeavour_id={found['endeavour']}", f"/endeavours/{found['endeavour']}",
                  f"/endeavours/{found['endeavour']}?offset=500"]  # fmt: skip
    if found["assignee"]:
        pages += [f"/tasks?assignee_id={found['assignee']}", f"/people/{found['assignee']}",
                  f"/audit?actor_id={found['assignee']}"]  # fmt: skip
    return pages


async def measure(where: str, repeats: int, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    store = await Store.open(where, access="existing")
    try:
        origin = "http://127.0.0.1"  # the one-time address logs in only where it was printed for
        board = Board(Registry(ALL_TOOLS, store), BoardOptions(ticket_origin=origin))
        ticket = await store.board_sessions.ticket(SystemClock().now(), origin)
        transport = httpx2.ASGITransport(app=board_app(board))
        async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            assert (await http.get(f"/login/once?token={ticket}")).status_code == 303
            owner = await store.board_sessions.actor(next(iter(http.cookies.values())), SystemClock().now())
            assert owner is not None
            paths = ["/login?baseline", *(p for p in await pages_of(store, Reader(board.registry, owner)) if p not in skip)]
            times: dict[str, list[float]] = {path: [] for path in paths}
            for _ in range(repeats + 2):  # every page once a round: a burst of load on this shared machine hits all alike
                for path in paths:
                    started = time.perf_counter()
                    answer = await http.get(path)
                    times[path].append((time.perf_counter() - started) * 1000)
                    assert answer.status_code == 200, (path, answer.status_code)
            rows = []
            for path, taken in times.items():
                taken = sorted(taken[2:])  # the first two rounds warm the caches
                rows.append({"page": path, "median_ms": round(statistics.median(taken), 2),
                             "p95_ms": round(taken[int(len(taken) * 0.95) - 1], 2)})  # fmt: skip
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
    parser.add_argument("--skip", action="append", default=[], metavar="PAGE",
                        help="leave this page out (a tree from before the page answered)")  # fmt: skip
    args = parser.parse_args()
    result = anyio.run(measure, args.db, args.repeats, tuple(args.skip))
    print(f"{result['tasks']:,} tasks, {args.repeats} requests a page (server time in this process)")
    print(f"{'page':<60} {'median ms':>10} {'p95 ms':>8} {'x login':>8}")
    for row in result["pages"]:
        print(f"{row['page'][:60]:<60} {row['median_ms']:>10} {row['p95_ms']:>8} {row['x_baseline']:>8}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
