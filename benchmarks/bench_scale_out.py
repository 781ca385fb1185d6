"""Scale-out: 1, 2 and 4 `worktrail serve --http` processes on one PostgreSQL database, and
beside them 1 process on a SQLite file, each driven by 32 concurrent clients for a fixed time.

Each client makes a task of its own first, then alternates `ts.tsk.create` (a new task, titled
uniquely) and `ts.tsk.update` (its own task, planned <-> active), spread over the processes as a
load balancer would. Per configuration: calls/s, p50 and p99 (ms), errors; afterwards, read from
the ledger: lost writes (an acknowledged create whose task is missing, or a task whose version is
not 1 + the updates acknowledged for it) and duplicated writes (a title stored twice).

    python benchmarks/bench_scale_out.py --postgresql postgresql:///bench [--clients 32]
                                         [--seconds 20] [--json benchmarks/results/last-scale-out.json]

The database named must exist and be empty; each configuration gets a schema of its own in it
(dropped at the end). Run by hand, never in CI (a test runs it at a tiny size). The load
generator, the servers and PostgreSQL share this machine's cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import anyio
import asyncpg
import httpx2

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from bench_http import HEADERS, body  # noqa: E402

from tests.servers import start_http, stop  # noqa: E402
from worktrail.store.store import Store  # noqa: E402


async def _post(http: httpx2.AsyncClient, url: str, key: str, n: int, tool: str, arguments: dict) -> dict | None:
    """The call's structured result when it succeeded, else None."""
    try:
        answer = await http.post(
            url, content=body(n, tool, arguments), headers={**HEADERS, "Authorization": f"Bearer {key}"}
        )
    except httpx2.HTTPError:
        return None
    if answer.status_code != 200:
        return None
    result = answer.json().get("result", {})
    return None if result.get("isError", True) else result.get("structuredContent")


async def drive(urls: list[str], key: str, clients: int, seconds: float, label: str) -> dict[str, Any]:
    """`clients` clients for `seconds`: what they did and what was acknowledged."""
    times: list[float] = []
    errors = 0
    created: list[str] = []
    updates: dict[str, int] = {}
    https = [httpx2.AsyncClient(timeout=30) for _ in range(clients)]
    own: list[str] = []
    for k, http in enumerate(https):  # each client's task, and a warm connection
        made = await _post(http, urls[k % len(urls)], key, k, "ts.tsk.create", {"title": f"{label}-own-{k}"})
        assert made is not None, "the servers answer"
        own.append(made["id"])
        updates[made["id"]] = 0
    deadline = time.perf_counter() + seconds

    async def client(k: int) -> None:
        nonlocal errors
        http, url, n, status = https[k], urls[k % len(urls)], 0, "planned"
        while time.perf_counter() < deadline:
            n += 1
            if n % 2:
                tool, arguments = "ts.tsk.create", {"title": f"{label}-{k}-{n}"}
            else:
                status = "active" if status == "planned" else "planned"
                tool, arguments = "ts.tsk.update", {"id": own[k], "status": status}
            began = time.perf_counter()
            done = await _post(http, url, key, k * 10_000_000 + n, tool, arguments)
            times.append(time.perf_counter() - began)
            if done is None:
                errors += 1
                if tool == "ts.tsk.update":  # the move did not happen: keep the status it has
                    status = "active" if status == "planned" else "planned"
            elif tool == "ts.tsk.create":
                created.append(done["id"])
            else:
                updates[own[k]] += 1

    began = time.perf_counter()
    async with anyio.create_task_group() as group:
        for k in range(clients):
            group.start_soon(client, k)
    elapsed = time.perf_counter() - began
    for http in https:
        await http.aclose()
    ordered = sorted(times)
    return {
        "calls_per_s": round((len(times) - errors) / elapsed, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 2),
        "errors": errors,
        "created": created,
        "updates": updates,
    }


async def lost_and_duplicated(where: str, created: list[str], updates: dict[str, int]) -> tuple[int, int]:
    store = await Store.open(where, access="read_only")
    try:

        async def read(conn: Any) -> tuple[set[str], dict[str, int], int]:
            present = {row[0] for row in await conn.fetchall("SELECT id FROM task")}
            versions = {row[0]: row[1] for row in await conn.fetchall("SELECT id, version FROM task")}
            twice = (await conn.fetchone("SELECT COUNT(*) - COUNT(DISTINCT title) FROM task"))[0]
            return present, versions, int(twice)

        present, versions, duplicated = await store.db.read(read)
    finally:
        await store.close()
    lost = sum(1 for i in created if i not in present)
    lost += sum(1 for task, n in updates.items() if versions.get(task) != 1 + n)
    return lost, duplicated


def _init(where: str) -> str:
    made = subprocess.run([sys.executable, "-m", "worktrail", "init", "--db", where, "--json"],
                          capture_output=True, text=True)  # fmt: skip
    if made.returncode != 0:
        raise SystemExit(f"worktrail init --db {where} failed: {made.stderr or made.stdout}")
    return str(json.loads(made.stdout)["api_key"])


async def configuration(where: str, processes: int, args: argparse.Namespace, logs: Any, label: str) -> dict:
    key = _init(where)
    servers = [start_http(where, stderr=logs) for _ in range(processes)]  # type: ignore[arg-type]
    try:
        print(f"{label}: {processes} process(es), {args.clients} clients, {args.seconds:g} s", file=sys.stderr)
        found = await drive([url for _, url in servers], key, args.clients, args.seconds, label)
    finally:
        for process, _ in servers:
            stop(process)
    lost, duplicated = await lost_and_duplicated(where, found.pop("created"), found.pop("updates"))
    return {"store": label.split("-")[0], "processes": processes, **found, "lost": lost, "duplicated": duplicated}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    admin = await asyncpg.connect(args.postgresql)
    schemas: list[str] = []
    rows = []
    folder = Path(tempfile.mkdtemp(prefix="worktrail-scale-out-"))
    with (folder / "access.log").open("w") as logs:  # read by nobody: a pipe would fill and stop the servers
        try:
            await admin.execute("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public")
            rows.append(await configuration(str(folder / "ledger.db"), 1, args, logs, "sqlite-1"))
            for processes in args.processes:
                schema = f"scale_out_{uuid.uuid4().hex[:8]}"
                schemas.append(schema)
                await admin.execute(f"CREATE SCHEMA {schema}")
                joiner = "&" if "?" in args.postgresql else "?"
                where = f"{args.postgresql}{joiner}search_path={schema},public"
                rows.append(await configuration(where, processes, args, logs, f"postgresql-{processes}"))
        finally:
            for schema in schemas:
                await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            await admin.close()
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "clients": args.clients,
        "seconds": args.seconds,
        "rows": rows,
    }


def table(report: dict[str, Any]) -> str:
    lines = [
        "| store | processes | calls/s | p50 ms | p99 ms | errors | lost | duplicated |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in report["rows"]:
        lines.append(f"| {r['store']} | {r['processes']} | {r['calls_per_s']:.0f} | {r['p50_ms']:.1f} | "
                     f"{r['p99_ms']:.1f} | {r['errors']} | {r['lost']} | {r['duplicated']} |")  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgresql", required=True, metavar="URL", help="an existing database to use")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--json", type=Path, default=HERE / "results" / "last-scale-out.json")
    args = parser.parse_args()
    report = anyio.run(run, args)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(table(report))


if __name__ == "__main__":
    main()
