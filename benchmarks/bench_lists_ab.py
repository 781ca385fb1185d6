"""`ts.tsk.list` through the tool, this tree against an older checkout, alternated call by call.

    python benchmarks/bench_lists_ab.py --db postgresql:///new --against /path/to/old \
        --against-db postgresql:///old --key API_KEY [--calls 40] [--json out.json]

Each tree serves in a process of its own (the older one with PYTHONPATH=<its checkout>/src), on
its own copy of one ledger (an older tree may not open a ledger a newer one upgraded), logged in
with the same key; this process hands each the same call in turn, alternating which goes first,
so that the machine's drift falls on both alike (`bench_scale.py --measure`, run per tree, moves
from one tree to the other every ~20 s: on a loaded machine its pairs differ by 2x either way).
Each case: median and 10th percentile ms of --calls calls each, after three unmeasured; the two
trees must answer the same total and total_is_estimate.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CASES: dict[str, dict[str, Any]] = {
    "no filter": {}, "search": {"search": "Bimife"}, "search and status": {"search": "Bimife", "status": ["planned"]},
    "search b": {"search": "b"}, "search ka": {"search": "ka"},
    "search ka and done": {"search": "ka", "status": ["done"]}, "search zzz": {"search": "zzz"},
}  # fmt: skip


def serve(db: str, key: str) -> None:
    """One tree's side: a JSON arguments object a line in, [ms, total, total_is_estimate] a line out."""
    import anyio

    sys.path.insert(0, str(HERE))
    from bench_scale import logged_in

    from worktrail.store.store import Store

    async def run() -> None:
        store = await Store.open(db)
        registry, session = await logged_in(store, key)
        print("ready", flush=True)
        for line in sys.stdin:
            t0 = time.perf_counter()
            answer = await registry.call("ts.tsk.list", json.loads(line), session)
            ms = (time.perf_counter() - t0) * 1000
            print(json.dumps([ms, answer.payload.get("total"), answer.payload.get("total_is_estimate")]), flush=True)
        await store.close()

    anyio.run(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="this tree's copy of the ledger")
    parser.add_argument("--against", type=Path, required=True, help="the older checkout")
    parser.add_argument("--against-db", required=True, help="the older tree's copy of the ledger")
    parser.add_argument("--key", required=True, help="an API key of the ledger")
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve, args.key)
    sides = {"before": (args.against / "src", args.against_db), "after": (HERE.parent / "src", args.db)}
    procs = {}
    for side, (src, db) in sides.items():
        env = dict(os.environ, PYTHONPATH=str(src))
        procs[side] = subprocess.Popen([sys.executable, __file__, "--serve", db, "--key", args.key, "--db", db,
                                        "--against", ".", "--against-db", db], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, text=True, env=env)  # fmt: skip
        assert procs[side].stdout is not None and procs[side].stdout.readline().strip() == "ready", side

    def call(side: str, arguments: dict[str, Any]) -> list[Any]:
        proc = procs[side]
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps({"limit": 50, **arguments}) + "\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())

    rows = []
    for case, arguments in CASES.items():
        times: dict[str, list[float]] = {"before": [], "after": []}
        answers = {}
        for n in range(args.calls + 3):
            for side in ("before", "after") if n % 2 else ("after", "before"):
                ms, *answers[side] = call(side, arguments)
                if n >= 3:
                    times[side].append(ms)
        if answers["before"] != answers["after"]:
            raise SystemExit(f"{case}: the two trees answered {answers}")
        row: dict[str, Any] = {"case": case, "arguments": arguments, "total": answers["after"]}
        for side in ("before", "after"):
            row[f"{side}_median_ms"] = round(statistics.median(times[side]), 2)
            row[f"{side}_p10_ms"] = round(statistics.quantiles(times[side], n=10)[0], 2)
        row["ratio"] = round(row["after_median_ms"] / row["before_median_ms"], 3)
        rows.append(row)
        print(json.dumps(row), flush=True)
    for proc in procs.values():
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait()
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
