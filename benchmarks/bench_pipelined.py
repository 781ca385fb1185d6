"""Pipelined calls on one stdio connection: a raw client writes every call without waiting for
an answer, then reads them all; what counts is how soon the last answer arrives.

    python benchmarks/bench_pipelined.py [--calls 2000]

Measures the SDK's echo server (an empty tool) and `worktrail serve` (`ts.tsk.update`, each call
moving another task from planned to active, so every call is a real transition however the
server orders them), side by side in one run: calls/s of each and the ratio to echo.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_stdio import ECHO, ledger, worktrail_command  # noqa: E402

HELLO = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench-pipelined", "version": "1"}}


class Raw:
    """A server spoken to in JSON lines, with no SDK in between."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)  # fmt: skip
        self.next_id = 1
        self.ask("initialize", HELLO)
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        return {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}

    def ask(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.send(self.request(method, params))
        assert self.proc.stdout
        return json.loads(self.proc.stdout.readline())

    def pipelined(self, calls: list[dict[str, Any]]) -> float:
        """Write every call at once (from a thread, so that a full pipe cannot stall the reading),
        read every answer; the seconds from the first write to the last answer."""
        payload = b"".join(json.dumps(self.request("tools/call", c)).encode() + b"\n" for c in calls)
        assert self.proc.stdin and self.proc.stdout
        stdin, stdout = self.proc.stdin, self.proc.stdout
        started = time.perf_counter()
        writer = threading.Thread(target=lambda: (stdin.write(payload), stdin.flush()))
        writer.start()
        answers = [json.loads(stdout.readline()) for _ in calls]
        elapsed = time.perf_counter() - started
        writer.join()
        refused = [a for a in answers if "error" in a or a["result"].get("isError")]
        if refused:
            raise SystemExit(f"{len(refused)} pipelined call(s) were refused, e.g. {refused[0]}")
        return elapsed

    def close(self) -> None:
        assert self.proc.stdin
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def measure(db: Path, env: dict[str, str], calls: int) -> list[dict[str, Any]]:
    rows = []
    echo = Raw(ECHO, env)
    worktrail = Raw(worktrail_command(db), env)
    try:
        created = [worktrail.request("tools/call", {"name": "ts.tsk.create", "arguments": {"title": f"p{n}"}})
                   for n in range(calls)]  # fmt: skip
        for message in created:
            worktrail.send(message)
        assert worktrail.proc.stdout
        ids = [json.loads(worktrail.proc.stdout.readline())["result"]["structuredContent"]["id"] for _ in created]
        cases = [
            ("echo", echo, [{"name": "echo", "arguments": {}} for _ in range(calls)]),
            ("ts.tsk.update", worktrail,
             [{"name": "ts.tsk.update", "arguments": {"id": i, "status": "active"}} for i in ids]),
        ]  # fmt: skip
        for label, server, batch in cases:
            seconds = server.pipelined(batch)
            rows.append({"case": label, "calls": calls, "calls_per_s": calls / seconds})
    finally:
        echo.close()
        worktrail.close()
    for row in rows:
        row["ratio"] = row["calls_per_s"] / rows[0]["calls_per_s"]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="worktrail-pipelined-") as scratch:
        db, env = ledger(Path(scratch))
        for row in measure(db, env, args.calls):
            print(f"{row['case']}: {row['calls_per_s']:.0f} calls/s, {row['ratio']:.2f}x echo")


if __name__ == "__main__":
    main()
