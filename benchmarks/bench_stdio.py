"""worktrail over stdio against an empty SDK tool, side by side, with the official SDK client.

Measures in one run on this machine:
  (a) `echo`, an empty tool on the SDK's own low-level server (benchmarks/echo_server.py);
  (b) `ts.tsk.update` and (c) `ts.rtr.update` on `worktrail serve`;
each over stdio: N sequential calls after a warm-up (the three servers run side by side and take
their calls in interleaved blocks of 100, so drift in the machine's speed hits all alike), giving calls/s, p50 and p99, and the ratio
of each to (a) in calls/s (1.0 = as fast as an empty tool); plus cold start (spawn to the answer
of `initialize`, median of 5), the server's own CPU per measured call (/proc/PID/stat, Linux) and
the peak RSS of each server process. Prints a table and writes
it as JSON. With --profile it also runs (b) and (c) with the server under cProfile and reports
where the server's time goes, by package.

    python benchmarks/bench_stdio.py [--calls 2000] [--warmup 200] [--mode auto|legacy]
                                     [--json benchmarks/results/last.json] [--profile]
                                     [--against CHECKOUT] [--postgresql URL [--postgresql-only]]

Run by hand, never in CI. Needs worktrail installed (`pip install -e .`).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import anyio
import mcp
from mcp import Client, StdioServerParameters
from mcp.types import Implementation

HERE = Path(__file__).resolve().parent
ECHO = [sys.executable, str(HERE / "echo_server.py")]
Args = Callable[[int], dict[str, Any]]
BLOCK = 100
KEYED = "ts.tsk.update +idempotency_key"


def worktrail_command(db: Path | str, profile_to: Path | None = None) -> list[str]:
    prefix = [sys.executable] + (["-m", "cProfile", "-o", str(profile_to)] if profile_to else [])
    # Dotted names, as the benchmark calls them (so the client validates output as for any listed tool).
    return [*prefix, "-m", "worktrail", "serve", "--db", str(db), "--tool-names", "dotted"]


def children() -> set[int]:
    """This process's child pids (Linux /proc; empty elsewhere)."""
    found: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").glob("*"):
        try:
            found |= {int(p) for p in (task / "children").read_text().split()}
        except OSError:
            pass
    return found


def cpu_seconds(pid: int | None) -> float | None:
    """The CPU time a live process has used (user + system, /proc/PID/stat), in seconds."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int | None) -> float | None:
    """The high-water mark of a live process's resident memory (VmHWM), in MiB."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


async def prepare(client: Client, tool: str, keyed: bool = False) -> Args:
    """What the measured calls send: each one a real change, valid in the state the last left
    (`keyed`: each with a new idempotency key, so each does its work and keeps its answer)."""
    if keyed:
        plain = await prepare(client, tool)
        run = os.urandom(4).hex()
        return lambda i: {**plain(i), "idempotency_key": f"bench-{run}-{i}"}
    if tool == "echo":
        return lambda i: {}
    if tool == "ts.tsk.update":
        task = await client.call_tool("ts.tsk.create", {"title": "Benchmark task"})
        task_id = task.structured_content["id"]  # type: ignore[index]
        return lambda i: {"id": task_id, "status": "active" if i % 2 == 0 else "planned"}
    ritual = await client.call_tool("ts.rtl.create", {"name": "Benchmark ritual", "prompt": "Measure."})
    run = await client.call_tool("ts.rtr.create", {"ritual_id": ritual.structured_content["id"]})  # type: ignore[index]
    run_id = run.structured_content["id"]  # type: ignore[index]
    return lambda i: {"id": run_id, "result_summary": f"step {i}", "effects": {"steps_done": i}}


class Subject:
    """One server under measurement, with its client, its calls' arguments and its figures."""

    def __init__(self, tool: str, client: Client, pid: int | None, arguments: Args) -> None:
        self.tool, self.client, self.pid, self.arguments = tool, client, pid, arguments
        self.sent = 0
        self.latencies: list[float] = []
        self.elapsed = 0.0
        self.cpu: float | None = 0.0  # the server's CPU seconds over the measured calls (None: unknown)

    async def calls(self, n: int, *, timed: bool = True) -> None:
        started, cpu_before = time.perf_counter(), cpu_seconds(self.pid) if timed else None
        for _ in range(n):
            t0 = time.perf_counter()
            result = await self.client.call_tool(self.tool, self.arguments(self.sent))
            if timed:
                self.latencies.append(time.perf_counter() - t0)
            self.sent += 1
            if result.is_error:
                raise SystemExit(f"{self.tool} was refused: {result.structured_content}")
        if timed:
            self.elapsed += time.perf_counter() - started
            cpu_after = cpu_seconds(self.pid)
            both = cpu_before is not None and cpu_after is not None and self.cpu is not None
            self.cpu = self.cpu + cpu_after - cpu_before if both else None  # type: ignore[operator]

    def figures(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "calls": len(self.latencies),
            "calls_per_s": len(self.latencies) / self.elapsed if self.elapsed else 0.0,
            "p50_ms": percentile(self.latencies, 0.50) * 1000,
            "p99_ms": percentile(self.latencies, 0.99) * 1000,
            "peak_rss_mib": peak_rss_mib(self.pid),
            # The server's own CPU per call: steadier than calls/s on a shared machine.
            "server_cpu_ms": self.cpu / len(self.latencies) * 1000 if self.cpu is not None and self.latencies else None,
        }


async def open_subject(
    stack: AsyncExitStack, command: list[str], env: dict[str, str], tool: str, mode: str, keyed: bool = False
) -> Subject:
    """Spawn a server, connect the SDK client to it over stdio, and set up what its calls need."""
    before = children()
    server = StdioServerParameters(command=command[0], args=command[1:], env=env)
    info = Implementation(name="bench-stdio", version="1.0")
    client = await stack.enter_async_context(Client(server, mode=mode, client_info=info))  # type: ignore[arg-type]
    pid = next(iter(children() - before), None)
    return Subject(tool, client, pid, await prepare(client, tool, keyed))


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile (0.0 for no values: a profiling baseline measures no calls)."""
    if not values:
        return 0.0
    ranked = sorted(values)
    return ranked[min(len(ranked) - 1, math.ceil(q * len(ranked)) - 1)]


# The first request of a cold start (cold_start_ms; bench_cold.py).
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "b", "version": "0"}},
}


def cold_start_ms(command: list[str], env: dict[str, str], repeats: int = 5) -> float:
    """Median time from spawning a server to reading its answer to `initialize`."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        assert proc.stdin and proc.stdout
        proc.stdin.write((json.dumps(INITIALIZE) + "\n").encode())
        proc.stdin.flush()
        answer = proc.stdout.readline()
        times.append(time.perf_counter() - t0)
        proc.stdin.close()
        proc.wait(timeout=30)
        if b'"result"' not in answer:
            raise SystemExit(f"{command} did not answer initialize: {answer!r}")
    return statistics.median(times) * 1000


BUCKETS = (
    ("worktrail", ("/worktrail/",)),
    ("mcp SDK", ("/mcp/",)),
    ("pydantic", ("pydantic",)),
    ("opentelemetry", ("opentelemetry",)),
    ("aiosqlite + sqlite3", ("sqlite",)),
    ("anyio (threads, streams, cancel scopes)", ("/anyio/",)),
    ("asyncio event loop", ("/asyncio/", "selectors", "_asyncio", "_socket", "_contextvars", "_thread", "select.")),
    ("json", ("/json/",)),
)
# Waiting for the client's next request is not the server's work.
IDLE = "'poll' of 'select.epoll'"


def _tottimes(path: Path) -> dict[tuple[str, str], float]:
    raw = pstats.Stats(str(path)).stats  # type: ignore[attr-defined]
    return {(filename, function): timing[2] for (filename, _, function), timing in raw.items()}


def profile_shares(measured: Path, baseline: Path) -> dict[str, float]:
    """Share of the server's CPU time per call, by package: the profile of a server that served the
    measured calls minus one that started and warmed up the same way but served none (so imports,
    model building and start-up drop out). Waiting for the client (epoll) is not CPU time and is
    left out; cProfile sees the event loop's thread, so SQLite's own work on aiosqlite's thread
    shows up only as the loop's wait for it."""
    before = _tottimes(baseline)
    totals: dict[str, float] = {}
    for (filename, function), tottime in _tottimes(measured).items():
        spent = tottime - before.get((filename, function), 0.0)
        if spent <= 0 or IDLE in function:
            continue
        where = filename if filename != "~" else function
        bucket = next((name for name, marks in BUCKETS if any(m in where for m in marks)), "other")
        totals[bucket] = totals.get(bucket, 0.0) + spent
    whole = sum(totals.values()) or 1.0
    return {k: round(v / whole, 3) for k, v in sorted(totals.items(), key=lambda kv: -kv[1])}


async def _profile_dump(
    command: list[str], env: dict[str, str], tool: str, args: argparse.Namespace, dump: Path
) -> Path:
    async with AsyncExitStack() as stack:
        subject = await open_subject(stack, command, env, tool, args.mode)
        await subject.calls(args.warmup, timed=False)
        await subject.calls(args.calls)
    for _ in range(100):  # the server writes its profile as it exits
        if dump.exists() and dump.stat().st_size:
            break
        await anyio.sleep(0.1)
    return dump


def ledger(folder: Path) -> tuple[Path, dict[str, str]]:
    """A fresh ledger with an owner; the environment that logs a server in to it."""
    return ledger_at(folder / "bench.db")


def ledger_at(db: Any, env: dict[str, str] | None = None) -> tuple[Any, dict[str, str]]:
    """A ledger made at `db` (a new file, or an empty PostgreSQL database's URL) with an owner, by
    the worktrail `env` runs (PYTHONPATH: another checkout's); the environment that logs a server
    in to it."""
    env = {**os.environ, **(env or {})}
    made = subprocess.run(
        [sys.executable, "-m", "worktrail", "init", "--db", str(db), "--json"], capture_output=True, text=True, env=env
    )
    if made.returncode != 0:
        raise SystemExit(f"worktrail init failed: {made.stderr}")
    return db, {**env, "WORKTRAIL_API_KEY": json.loads(made.stdout)["api_key"]}


def table(rows: list[dict]) -> str:
    head = ("| case | calls/s | p50 ms | p99 ms | ratio to echo | server CPU ms/call | cold start ms | peak RSS MiB |\n"
            "|---|---|---|---|---|---|---|---|")
    lines = [head]
    for r in rows:
        rss = f"{r['peak_rss_mib']:.1f}" if r["peak_rss_mib"] is not None else "n/a"
        cpu = f"{r['server_cpu_ms']:.3f}" if r.get("server_cpu_ms") is not None else "n/a"
        lines.append(
            f"| {r['tool']} | {r['calls_per_s']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
            f"{r['ratio']:.2f} | {cpu} | {r['cold_start_ms']:.0f} | {rss} |"
        )
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="worktrail-bench-") as scratch:
        db, env = ledger(Path(scratch))
        # (label, tool, command, environment)
        cases = [
            ("echo", "echo", ECHO, env),
            ("ts.tsk.update", "ts.tsk.update", worktrail_command(db), env),
            ("ts.rtr.update", "ts.rtr.update", worktrail_command(db), env),
            # The cost of an idempotency key: the same update, each call with a new key.
            (KEYED, "ts.tsk.update", worktrail_command(db), env),
        ]
        if args.postgresql_only:  # the echo and the PostgreSQL cases alone: a shorter run
            cases = cases[:1]
        if args.postgresql:  # the same tools on a PostgreSQL ledger (an empty database)
            pg, pg_env = ledger_at(args.postgresql)
            for tool in ("ts.tsk.update", "ts.rtr.update"):
                cases.append((f"{tool} [postgresql]", tool, worktrail_command(pg), pg_env))
        if args.against:  # the same tools served by another worktrail source tree, e.g. an older commit
            older = str(Path(args.against).resolve() / "src")
            # Its own ledger, made by it: a ledger of a newer schema is one an older worktrail refuses.
            old_db, other = ledger_at(Path(scratch) / "older.db", {"PYTHONPATH": older}) if not args.postgresql_only else (db, env)
            for tool in ("ts.tsk.update", "ts.rtr.update"):
                if not args.postgresql_only:
                    cases.append((f"{tool} [{Path(args.against).name}]", tool, worktrail_command(old_db), other))
                if args.postgresql:  # and on the same PostgreSQL ledger (both trees at one schema)
                    label = f"{tool} [postgresql, {Path(args.against).name}]"
                    cases.append((label, tool, worktrail_command(pg), {**pg_env, "PYTHONPATH": older}))
        async with AsyncExitStack() as stack:
            subjects = [
                await open_subject(stack, command, e, tool, args.mode, label == KEYED)
                for label, tool, command, e in cases
            ]
            for subject in subjects:
                await subject.calls(args.warmup, timed=False)
            # Interleaved blocks, so that the machine's drift falls on every case alike.
            done = 0
            while done < args.calls:
                block = min(BLOCK, args.calls - done)
                print(f"calls {done + block}/{args.calls} of each case", file=sys.stderr)
                for subject in subjects:
                    await subject.calls(block)
                done += block
            rows = [subject.figures() for subject in subjects]
        for row, (label, _, command, e) in zip(rows, cases, strict=True):
            row["tool"] = label
            row["cold_start_ms"] = cold_start_ms(command, e)
        for row in rows:
            row["ratio"] = row["calls_per_s"] / rows[0]["calls_per_s"]
        profiles = {}
        if args.profile:
            for tool in ("ts.tsk.update", "ts.rtr.update"):
                print(f"profiling {tool} ...", file=sys.stderr)
                folder = Path(scratch)
                measured, idle = folder / f"{tool}.prof", folder / f"{tool}.base.prof"
                await _profile_dump(worktrail_command(db, measured), env, tool, args, measured)
                none = argparse.Namespace(**{**vars(args), "calls": 0})
                await _profile_dump(worktrail_command(db, idle), env, tool, none, idle)
                profiles[tool] = profile_shares(measured, idle)
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "mcp": mcp.__version__ if hasattr(mcp, "__version__") else _version("mcp"),
        "mode": args.mode,
        "calls": args.calls,
        "warmup": args.warmup,
        "results": rows,
        "profile_shares": profiles,
    }


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000, help="measured calls per case (default 2000)")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured calls first (default 200)")
    parser.add_argument("--mode", choices=("auto", "legacy"), default="auto", help="protocol era of the client")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "last.json", help="where to write the JSON")
    parser.add_argument("--profile", action="store_true", help="also profile the worktrail server (cProfile)")
    parser.add_argument(
        "--against",
        metavar="CHECKOUT",
        help="also measure the worktrail of another checkout (e.g. `git worktree add /tmp/old HEAD~1`), side by side",
    )
    parser.add_argument("--postgresql", metavar="URL",
                        help="also measure on a PostgreSQL ledger made in this empty database")  # fmt: skip
    parser.add_argument("--postgresql-only", action="store_true",
                        help="with --postgresql: measure the echo and the PostgreSQL cases only")  # fmt: skip
    args = parser.parse_args()
    report = anyio.run(run, args)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(table(report["results"]))
    for tool, shares in report["profile_shares"].items():
        print(f"\nwhere {tool} spends the server's CPU time: " + ", ".join(f"{k} {v:.0%}" for k, v in shares.items()))
    print(f"\nwritten to {args.json}")


if __name__ == "__main__":
    main()
