"""Cold start, side by side: spawn to the answer of `initialize`, and spawn to the answer of the
first `tools/list` (what a client waits for before its first call), for the SDK's echo server
and `worktrail serve` over stdio on a SQLite ledger (and, with --against, an older checkout).

Rounds are interleaved (echo, worktrail, echo, ...) so that the machine's drift falls on every
server alike; medians are reported, and each worktrail figure as a ratio to the echo's.

    python benchmarks/bench_cold.py --rounds 21
    python benchmarks/bench_cold.py --rounds 21 --against /tmp/old   # an older checkout's src/
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_stdio import ECHO, INITIALIZE, ledger_at

INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}
LIST = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}


def cpu_ms(pid: int) -> float:
    """CPU time the process has used so far, all its threads, in ms (Linux's schedstat: ns, exact
    where utime ticks at 10 ms). On a shared machine the wall clock carries everyone's load; this
    is the server's own work."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):  # a thread that just ended
            pass
    return total / 1e6


def once(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(ms to the initialize answer, ms to the tools/list answer, CPU ms to the initialize
    answer) of one fresh server."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdin and proc.stdout
    proc.stdin.write((json.dumps(INITIALIZE) + "\n").encode())
    proc.stdin.flush()
    first = proc.stdout.readline()
    t1 = time.perf_counter()
    cpu = cpu_ms(proc.pid)
    proc.stdin.write((json.dumps(INITIALIZED) + "\n" + json.dumps(LIST) + "\n").encode())
    proc.stdin.flush()
    listed = proc.stdout.readline()
    t2 = time.perf_counter()
    proc.stdin.close()
    proc.wait(timeout=30)
    if b'"result"' not in first or b'"tools"' not in listed:
        raise SystemExit(f"{command} did not answer: {first[:200]!r} {listed[:200]!r}")
    return (t1 - t0) * 1000, (t2 - t0) * 1000, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--against", type=Path, help="an older checkout, measured in the same rounds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db, env = ledger_at(Path(folder) / "cold.db")
        serve = ["-m", "worktrail", "serve", "--db", str(db)]
        cases = {"echo (SDK)": (ECHO, env), "worktrail serve": ([sys.executable, *serve], env)}
        if args.against:  # its own ledger, made by it: a newer ledger is one an older worktrail refuses
            old = {**os.environ, "PYTHONPATH": str(args.against / "src")}
            made = subprocess.run([sys.executable, "-m", "worktrail", "init", "--db", str(Path(folder) / "old.db"), "--json"],
                                  env=old, capture_output=True, text=True, check=True)  # fmt: skip
            old["WORKTRAIL_API_KEY"] = json.loads(made.stdout)["api_key"]
            cases["worktrail, --against"] = ([sys.executable, "-m", "worktrail", "serve", "--db", str(Path(folder) / "old.db")], old)
        times: dict[str, list[tuple[float, float, float]]] = {name: [] for name in cases}
        for command, e in cases.values():
            once(command, e)  # warm the file cache and the .pyc files
        for r in range(args.rounds):
            for name, (command, e) in cases.items():
                times[name].append(once(command, e))
            print(f"round {r + 1}/{args.rounds}", file=sys.stderr)
    echo = [statistics.median(t[i] for t in times["echo (SDK)"]) for i in (0, 1, 2)]
    print("| server | initialize ms | ratio to echo | tools/list ms | ratio to echo | CPU ms to initialize | ratio to echo |\n"
          "|---|---|---|---|---|---|---|")  # fmt: skip
    for name, measured in times.items():
        init, listed, cpu = (statistics.median(t[i] for t in measured) for i in (0, 1, 2))
        print(f"| {name} | {init:.0f} | {init / echo[0]:.2f}× | {listed:.0f} | {listed / echo[1]:.2f}× "
              f"| {cpu:.0f} | {cpu / echo[2]:.2f}× |")  # fmt: skip
    print(f"(medians of {args.rounds} interleaved rounds; Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
