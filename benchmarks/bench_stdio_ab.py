"""ts.tsk.update (or --tool ts.rtr.update) over stdio by this tree and by another, with the SDK echo, interleaved, in either order.

bench_stdio.py runs its cases in one fixed order; on a loaded machine the order itself moved a case's
ratio by up to 0.1 (an unchanged tool, ts.rtr.update, measured 0.50 in one place and 0.62 in the
other). This runs three servers only (echo, this tree, the other tree), `--swap` puts the other
tree first, and it also reports each server's CPU per call (utime + stime from /proc), which
the machine's load moves less than its latency.

    python benchmarks/bench_stdio_ab.py --postgresql postgresql:///bench --against /path/to/checkout [--swap]
        [--against-postgresql postgresql:///bench_other]   # when this tree's schema is newer than the other's

Run by hand, never in CI. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from contextlib import AsyncExitStack
from pathlib import Path

import bench_stdio as b


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def backends_of(url: str) -> list[int]:
    """The pids of the PostgreSQL server processes serving worktrail on the database `url` names (with
    --against-postgresql each tree has a database of its own, so each tree's share is its own)."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                                " AND application_name = 'worktrail'")  # fmt: skip
        return [row[0] for row in rows]
    finally:
        await conn.close()


def made_by(url: str, env: dict[str, str]) -> tuple[str, str]:
    """A ledger at `url` made by the tree `env` names (PYTHONPATH); its owner's key."""
    made = subprocess.run([sys.executable, "-m", "worktrail", "init", "--db", url, "--json"], capture_output=True,
                          text=True, env=env)  # fmt: skip
    if made.returncode != 0:
        raise SystemExit(f"worktrail init failed: {made.stderr}")
    return url, json.loads(made.stdout)["api_key"]


async def run(args: argparse.Namespace) -> None:
    db, env = b.ledger_at(args.postgresql)
    older = {**env, "PYTHONPATH": str(Path(args.against).resolve() / "src")}
    other_db = db
    if args.against_postgresql:  # its own ledger, made by the other tree (its schema may be older)
        other_db, made = made_by(args.against_postgresql, older)
        older = {**older, "WORKTRAIL_API_KEY": made}
    cases = [("this tree", b.worktrail_command(db), env), (Path(args.against).name, b.worktrail_command(other_db), older)]
    cases = [("echo", b.ECHO, env), *(reversed(cases) if args.swap else cases)]
    async with AsyncExitStack() as stack:
        subjects = [await b.open_subject(stack, command, e, "echo" if label == "echo" else args.tool, "auto")
                    for label, command, e in cases]  # fmt: skip
        for subject in subjects:
            await subject.calls(args.warmup, timed=False)
        before = [cpu_seconds(subject.pid) for subject in subjects if subject.pid]
        backends = [await backends_of(db if label == "this tree" else other_db)
                    if label != "echo" and args.against_postgresql else [] for label, _, _ in cases]  # fmt: skip
        server_before = [sum(cpu_seconds(pid) for pid in pids) for pids in backends]
        for _ in range(0, args.calls, b.BLOCK):
            for subject in subjects:
                await subject.calls(b.BLOCK)
        after = [cpu_seconds(subject.pid) for subject in subjects if subject.pid]
        server_after = [sum(cpu_seconds(pid) for pid in pids) for pids in backends]
    echo = subjects[0].figures()["calls_per_s"]
    print("| case | calls/s | p50 ms | p99 ms | ratio to echo | server CPU ms/call | PostgreSQL CPU ms/call |\n"
          "|---|---|---|---|---|---|---|")  # fmt: skip
    for (label, _, _), subject, start, end, pg_start, pg_end in zip(cases, subjects, before, after, server_before,
                                                                   server_after, strict=True):  # fmt: skip
        f = subject.figures()
        pg = f"{(pg_end - pg_start) / len(subject.latencies) * 1000:.3f}" if pg_end else "n/a"
        print(f"| {label} | {f['calls_per_s']:.0f} | {f['p50_ms']:.2f} | {f['p99_ms']:.2f} | "
              f"{f['calls_per_s'] / echo:.2f} | {(end - start) / len(subject.latencies) * 1000:.3f} | {pg} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgresql", metavar="URL", required=True, help="an existing, empty database")
    parser.add_argument("--against", required=True, help="another worktrail checkout (its src/ is used)")
    parser.add_argument("--against-postgresql", metavar="URL",
                        help="another empty database for the other tree's ledger (when this tree's schema is newer)")
    parser.add_argument("--tool", default="ts.tsk.update", choices=("ts.tsk.update", "ts.rtr.update"),
                        help="the tool both trees take (default ts.tsk.update)")
    parser.add_argument("--calls", type=int, default=2000, help="measured calls per server (default 2000)")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured calls first (default 200)")
    parser.add_argument("--swap", action="store_true", help="run the other tree's server first in each block")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
