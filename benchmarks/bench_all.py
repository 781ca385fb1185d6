"""Every row of issue 13's table, side by side in one run, against its goal.

    python benchmarks/bench_all.py [--tasks 1000000] [--calls 2000] [--db PATH]
                                   [--json benchmarks/results/last-all.json]

1. `ts.tsk.update` over stdio, SDK client, one call at a time, against the SDK's echo server
   (bench_stdio.py; also `ts.rtr.update` and a keyed update), with p99 and cold start;
2. 2,000 pipelined calls on one connection against the echo server (bench_pipelined.py);
3. builds a ledger of --tasks tasks through the store's write path (bench_scale.py; about
   3 minutes for a million here) unless --db names one built before, then `ts.tsk.list` limit 50
   in seven shapes (server time), and the file's size;
4. `ts.tsk.update` over stdio on that ledger against a ledger of 1,000 tasks, interleaved, each
   call moving a random task between planned and active.

Writes the JSON and prints the table. Run by hand, never in CI (a test runs it at a tiny size).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_pipelined  # noqa: E402
import bench_scale  # noqa: E402
import bench_stdio  # noqa: E402

HERE = Path(__file__).resolve().parent
SMALL = 1_000
POOL = 500


def toggles(db: Path, seed: int) -> bench_stdio.Args:
    """Arguments that move a random task of a pool between planned and active, the client keeping
    track of where each one is (calls go one at a time, so each is a valid move)."""
    with sqlite3.connect(db) as conn:
        planned = [r[0] for r in conn.execute("SELECT id FROM task WHERE status = 'planned'")]
    pool = random.Random(seed).sample(planned, min(POOL, len(planned)))
    where = dict.fromkeys(pool, "planned")
    rng = random.Random(seed + 1)

    def arguments(_: int) -> dict[str, Any]:
        task = rng.choice(pool)
        where[task] = "active" if where[task] == "planned" else "planned"
        return {"id": task, "status": where[task]}

    return arguments


def goals(report: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    """(row, figure, goal, met) for each row of the issue's table."""
    stdio = {r["tool"]: r for r in report["stdio"]["results"]}
    update, echo = stdio["ts.tsk.update"], stdio["echo"]
    piped = report["pipelined"][1]
    lists = report["lists"]
    worst = max(r["median_ms"] for r in lists)
    small, big = report["update_by_size"]
    cold = update["cold_start_ms"] / echo["cold_start_ms"]
    size = report["size"]["file_mib"]
    return [
        ("ts.tsk.update over stdio vs echo", f"{update['ratio']:.2f}x, p99 {update['p99_ms']:.2f} ms",
         ">= 0.9x, p99 <= 3 ms", update["ratio"] >= 0.9 and update["p99_ms"] <= 3),
        (f"{piped['calls']:,} pipelined calls vs echo", f"{piped['ratio']:.2f}x", ">= 1.5x", piped["ratio"] >= 1.5),
        (f"ts.tsk.list limit 50 at {report['build']['tasks']:,} tasks (median, each shape)",
         " / ".join(f"{r['median_ms']:.1f}" for r in lists) + " ms", "each <= 10 ms", worst <= 10),
        ("ts.tsk.update at the big ledger vs 1,000 tasks", f"{big['ratio']:.2f}x, p99 {big['p99_ms']:.2f} vs "
         f"{small['p99_ms']:.2f} ms", ">= 0.95x, p99 <= 3 ms", big["ratio"] >= 0.95 and big["p99_ms"] <= 3),
        ("database size with the audit trail", f"{size:,.0f} MiB", "<= 700 MiB", size <= 700),
        ("spawn to the answer of initialize vs echo", f"{cold:.2f}x ({update['cold_start_ms']:.0f} vs "
         f"{echo['cold_start_ms']:.0f} ms)", "<= 1.05x", cold <= 1.05),
    ]  # fmt: skip


def table(report: dict[str, Any]) -> str:
    lines = ["| what | measured | goal | met |", "|---|---|---|---|"]
    lines += [f"| {what} | {figure} | {goal} | {'yes' if met else 'no'} |" for what, figure, goal, met in goals(report)]
    lines += ["", "| ts.tsk.list case | median ms | worst ms | total |", "|---|---|---|---|"]
    lines += [f"| {r['case']} | {r['median_ms']:.2f} | {r['max_ms']:.2f} | {r['total']} |" for r in report["lists"]]
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "sqlite": sqlite3.sqlite_version},
    }  # fmt: skip
    stdio_args = argparse.Namespace(calls=args.calls, warmup=min(200, args.calls), mode=args.mode, profile=False,
                                    against=None, postgresql=None, postgresql_only=False)  # fmt: skip
    report["stdio"] = await bench_stdio.run(stdio_args)
    with tempfile.TemporaryDirectory(prefix="worktrail-all-") as scratch:
        folder = Path(scratch)
        db, env = bench_stdio.ledger(folder)
        report["pipelined"] = bench_pipelined.measure(db, env, args.calls)
        big = args.db or folder / "big.db"
        if args.db and args.db.exists():
            key = args.api_key or os.environ.get("WORKTRAIL_API_KEY")
            if not key:
                raise SystemExit("--db names a ledger built before: give its owner's key with --api-key")
            report["build"] = {"tasks": bench_scale.count_tasks(big), "api_key": key, "reused": True}
        else:
            report["build"] = await bench_scale.build(big, args.tasks)
        small = folder / "small.db"
        report["build_small"] = await bench_scale.build(small, SMALL)
        report["lists"] = await bench_scale.measure_lists(big, report["build"]["api_key"])
        report["size"] = bench_scale.size_report(big)
        big_env = {**os.environ, "WORKTRAIL_API_KEY": report["build"]["api_key"]}
        small_env = {**os.environ, "WORKTRAIL_API_KEY": report["build_small"]["api_key"]}
        report["update_by_size"] = await updates_by_size(big, small, big_env, small_env, args)
    for built in (report["build"], report["build_small"]):
        built.pop("api_key", None)
    report["goals"] = [dict(zip(("what", "measured", "goal", "met"), g, strict=True)) for g in goals(report)]
    return report


async def updates_by_size(
    big: Path, small: Path, big_env: dict[str, str], small_env: dict[str, str], args: argparse.Namespace
) -> list[dict[str, Any]]:
    """`ts.tsk.update` over stdio on the big ledger and on one of 1,000 tasks, in interleaved
    blocks, each server logged in to its own ledger."""
    async with AsyncExitStack() as stack:
        subjects = []
        for db, env, label in ((small, small_env, f"{SMALL:,} tasks"), (big, big_env, "big")):
            command = bench_stdio.worktrail_command(db)
            subject = await bench_stdio.open_subject(stack, command, env, "echo", args.mode)
            subject.tool, subject.arguments = "ts.tsk.update", toggles(db, seed=len(label))
            subjects.append((label, subject))
        for _, subject in subjects:
            await subject.calls(min(200, args.calls), timed=False)
        for done in range(0, args.calls, bench_stdio.BLOCK):
            print(f"update by ledger size: {done + bench_stdio.BLOCK}/{args.calls}", file=sys.stderr)
            for _, subject in subjects:
                await subject.calls(min(bench_stdio.BLOCK, args.calls - done))
        rows = [{**subject.figures(), "ledger": label} for label, subject in subjects]
    rows[1]["ratio"] = rows[1]["calls_per_s"] / rows[0]["calls_per_s"]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=1_000_000, help="tasks in the big ledger (default 1,000,000)")
    parser.add_argument("--calls", type=int, default=2000, help="measured calls per stdio case (default 2000)")
    parser.add_argument("--mode", choices=("auto", "legacy"), default="auto", help="protocol era of the SDK client")
    parser.add_argument("--db", type=Path, help="build the big ledger here, or reuse it if it exists (with --api-key)")
    parser.add_argument("--api-key", help="the owner's key of a --db built before")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "last-all.json", help="where to write the JSON")
    args = parser.parse_args()
    report = anyio.run(run, args)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(table(report))
    print(f"\nwritten to {args.json}")


if __name__ == "__main__":
    main()
