"""worktrail over streamable HTTP against an empty tool on the SDK's own HTTP server, side by side.

Measures in one run: (a) `echo` on benchmarks/echo_http_server.py; (b) `ts.tsk.update` on
`worktrail serve --http` (bearer key checked on every request); each over raw HTTP/1.1 keep-alive
connections (httpx2), JSON-RPC `tools/call` in the stateless 2025-11-25 form:
  - sequential: N calls one at a time, interleaved in blocks: calls/s and p50/p99;
  - concurrent: 1, 8 and 32 clients for a fixed time, against 1 and 2 server processes on one
    ledger (clients spread over the processes, as a load balancer would): calls/s and errors. The
    worktrail clients create a task per call there, and afterwards every acknowledged id is looked
    up in the ledger (lost) and the titles counted (duplicated).

    python benchmarks/bench_http.py [--calls 1000] [--seconds 5] [--json benchmarks/results/last-http.json]
                                    [--against CHECKOUT]   # an older checkout's src/, measured in the same run

Run by hand, never in CI (a test runs it at a tiny size). The load generator runs on the same
2 cores as the servers, and takes its share of them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
import httpx2

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tests.servers import free_port, start_http, stop  # noqa: E402

HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json",
           "MCP-Protocol-Version": "2025-11-25"}  # fmt: skip


def body(n: int, tool: str, arguments: dict[str, Any]) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": n, "method": "tools/call",
                       "params": {"name": tool, "arguments": arguments}}).encode()  # fmt: skip


def start_echo(*extra: str) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, str(HERE / "echo_http_server.py"), str(port), *extra], text=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    for _ in range(300):
        try:
            httpx2.post(f"http://127.0.0.1:{port}/mcp", content=body(0, "echo", {}),
                        headers={**HEADERS, "Authorization": "Bearer any"}, timeout=1)  # fmt: skip
            return process, f"http://127.0.0.1:{port}/mcp"
        except httpx2.HTTPError:
            time.sleep(0.05)
    raise RuntimeError("the echo server did not start")


class Target:
    """A server (or servers) to drive: its URLs, the key it wants, and the call to make."""

    def __init__(self, name: str, urls: list[str], key: str | None, tool: str, make: Any) -> None:
        self.name, self.urls, self.tool, self.make = name, urls, tool, make
        self.headers = {**HEADERS, **({"Authorization": f"Bearer {key}"} if key else {})}

    async def one(self, client: httpx2.AsyncClient, url: str, n: int) -> tuple[bool, dict[str, Any] | None]:
        answer = await client.post(url, content=body(n, self.tool, self.make(n)), headers=self.headers)
        if answer.status_code != 200:
            return False, None
        result = answer.json().get("result", {})
        return not result.get("isError", True), result.get("structuredContent")


async def sequential(targets: list[Target], calls: int, block: int = 100) -> dict[str, dict[str, float]]:
    times: dict[str, list[float]] = {t.name: [] for t in targets}
    clients = {t.name: httpx2.AsyncClient(timeout=30) for t in targets}
    for t in targets:  # warm-up
        for n in range(50):
            await t.one(clients[t.name], t.urls[0], n)
    for start in range(0, calls, block):
        for t in targets:
            for n in range(start, start + block):
                began = time.perf_counter()
                ok, _ = await t.one(clients[t.name], t.urls[0], n)
                times[t.name].append(time.perf_counter() - began)
                assert ok, t.name
    for c in clients.values():
        await c.aclose()
    return {name: {"calls_per_s": round(len(ts) / sum(ts), 1), "p50_ms": round(statistics.median(ts) * 1000, 2),
                   "p99_ms": round(sorted(ts)[int(len(ts) * 0.99) - 1] * 1000, 2)} for name, ts in times.items()}  # fmt: skip


async def concurrent(target: Target, clients: int, seconds: float) -> dict[str, Any]:
    done, errors, acknowledged = 0, 0, []
    # Clients and their connections made first (an httpx2 client costs tens of ms to make).
    https = [httpx2.AsyncClient(timeout=30) for _ in range(clients)]
    for k, http in enumerate(https):
        await target.one(http, target.urls[k % len(target.urls)], -k - 1)
    deadline = time.perf_counter() + seconds

    async def client(k: int) -> None:
        nonlocal done, errors
        http = https[k]
        try:
            n = 0
            while time.perf_counter() < deadline:
                n += 1
                try:
                    ok, content = await target.one(http, target.urls[k % len(target.urls)], k * 1_000_000 + n)
                except httpx2.HTTPError:
                    ok, content = False, None
                done += ok
                errors += not ok
                if ok and content and "id" in content:
                    acknowledged.append(content["id"])
        finally:
            await http.aclose()

    began = time.perf_counter()
    async with anyio.create_task_group() as group:
        for k in range(clients):
            group.start_soon(client, k)
    return {
        "calls_per_s": round(done / (time.perf_counter() - began), 1),
        "errors": errors,
        "acknowledged": acknowledged,
    }


def lost_and_duplicated(db: Path, ids: list[str]) -> tuple[int, int]:
    with sqlite3.connect(db) as conn:
        present = {row[0] for row in conn.execute("SELECT id FROM task")}
        titles = conn.execute("SELECT COUNT(*) - COUNT(DISTINCT title) FROM task").fetchone()[0]
    conn.close()
    return sum(1 for i in ids if i not in present), titles


class Ledger:
    """A ledger and two `serve --http` processes on it, of this checkout or (`src`) another one's,
    which makes its own ledger (a newer ledger is one an older worktrail refuses)."""

    def __init__(self, folder: Path, name: str, src: Path | None = None) -> None:
        self.name = name
        self.db = folder / f"{name}.db"
        self.env = {"PYTHONPATH": str(src)} if src else None
        init = subprocess.run([sys.executable, "-m", "worktrail", "init", "--db", str(self.db), "--json"],
                              capture_output=True, text=True, check=True, env={**os.environ, **(self.env or {})})  # fmt: skip
        self.key = json.loads(init.stdout)["api_key"]
        logs = (folder / f"{name}.log").open("w")  # read by nobody: a pipe would fill and stop the server
        self.servers = [start_http(self.db, stderr=logs, env=self.env) for _ in range(2)]
        self.urls = [url for _, url in self.servers]

    async def update_target(self, label: str) -> Target:
        async with httpx2.AsyncClient() as http:
            made = await http.post(self.urls[0], content=body(1, "ts.tsk.create", {"title": "benchmarked"}),
                                   headers={**HEADERS, "Authorization": f"Bearer {self.key}"})  # fmt: skip
        task = made.json()["result"]["structuredContent"]["id"]
        statuses = ("active", "planned")
        return Target(label, self.urls[:1], self.key, "ts.tsk.update", lambda n: {"id": task, "status": statuses[n % 2]})

    def stop(self) -> None:
        for process, _ in self.servers:
            stop(process)


async def run(calls: int, seconds: float, against: Path | None = None) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="worktrail-bench-http-"))
    echo, echo_url = start_echo()
    ledgers = [Ledger(folder, "ledger")]
    try:
        if against is not None:
            ledgers.append(Ledger(folder, "against", against.resolve() / "src"))
        labels = {"ledger": "ts.tsk.update", "against": f"ts.tsk.update [{against.name if against else ''}]"}
        echo_t = Target("echo", [echo_url], None, "echo", lambda n: {})
        updates = [await ledger.update_target(labels[ledger.name]) for ledger in ledgers]
        report: dict[str, Any] = {"sequential": await sequential([echo_t, *updates], calls)}
        rows = []
        for processes in (1, 2):
            for clients in (1, 8, 32):
                echo_row = await concurrent(echo_t, clients, seconds)
                row: dict[str, Any] = {"processes": processes, "clients": clients,
                                       "echo_calls_per_s": echo_row["calls_per_s"], "errors": echo_row["errors"]}  # fmt: skip
                for ledger in ledgers:
                    create_t = Target("ts.tsk.create", ledger.urls[:processes], ledger.key, "ts.tsk.create",
                                      lambda n, p=processes, c=clients: {"title": f"t{n}-{p}-{c}"})  # fmt: skip
                    ours = await concurrent(create_t, clients, seconds)
                    lost, duplicated = lost_and_duplicated(ledger.db, ours["acknowledged"])
                    prefix = "" if ledger.name == "ledger" else "against_"
                    row[f"{prefix}worktrail_calls_per_s"] = ours["calls_per_s"]
                    row[f"{prefix}ratio"] = round(ours["calls_per_s"] / echo_row["calls_per_s"], 2)
                    row["errors"] += ours["errors"]
                    row["lost"] = row.get("lost", 0) + lost
                    row["duplicated"] = row.get("duplicated", 0) + duplicated
                rows.append(row)
        report["concurrent"] = rows
    finally:
        stop(echo)
        for ledger in ledgers:
            ledger.stop()
    seq = report["sequential"]
    report["sequential_ratio"] = round(seq["ts.tsk.update"]["calls_per_s"] / seq["echo"]["calls_per_s"], 2)
    report["p99_ratio"] = round(seq["ts.tsk.update"]["p99_ms"] / seq["echo"]["p99_ms"], 2)
    if against is not None:
        older = seq[labels["against"]]
        report["against_sequential_ratio"] = round(older["calls_per_s"] / seq["echo"]["calls_per_s"], 2)
        report["against_p99_ratio"] = round(older["p99_ms"] / seq["echo"]["p99_ms"], 2)
    report["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--against", type=Path, help="an older checkout, measured in the same interleaved run")
    args = parser.parse_args()
    report = anyio.run(run, args.calls, args.seconds, args.against)
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
