"""Checking an OAuth access token against checking an API key (issue 29: "checking an access token
costs no more than checking a key"), side by side on one ledger.

Both go through what `/mcp` runs on every request, `KeyVerifier.verify_token` (with `--auth oauth`:
a `wta_…` token is looked up in the grants, anything else as a key), in this process, with no
HTTP around it. After a warm-up, N checks of each in interleaved rounds of 100, so that drift in
the machine's speed falls on both alike; reported: checks/s and µs per check of each, and the
ratio token / key of the time per check (1.0 = as cheap as a key).

    python benchmarks/bench_verify.py [--calls 5000] [--clock wall|cpu] [--postgresql URL] [--json FILE]

`--postgresql` names an existing, empty database for a second run on PostgreSQL. `--clock cpu`
counts the CPU time of this thread instead of the time that passed: on a machine others share,
time spent waiting for a core then falls on neither (on SQLite a check never waits for anything
else; on PostgreSQL it waits for the server, so there the wall clock is the one to read).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio

from worktrail.domain.clock import SystemClock, format_ts
from worktrail.store.audit import Origin
from worktrail.store.store import Store
from worktrail.transport.http.bearer import KeyVerifier

AUDIENCE = "http://127.0.0.1:8765/mcp"
ROUND = 100


async def credentials(store: Store) -> tuple[str, str]:
    """The owner's key, and an access token of a grant of the owner's."""
    now = SystemClock().now()
    owner, _, key = await store.keys.bootstrap_owner(Origin(None, "bench", format_ts(now)), "owner")
    client = await store.oauth_clients.register({"client_name": "bench", "redirect_uris": ["https://x.example/cb"]}, now)
    code = await store.oauth_grants.issue_code(client, owner["id"], "ledger:write", AUDIENCE, "x", "https://x.example/cb",
                                               True, now)  # fmt: skip
    issued = await store.oauth_grants.redeem(code, client, now)
    assert issued is not None
    return key, issued.access_token


async def measure(where: str, calls: int, clock: Any = time.perf_counter) -> dict[str, Any]:
    store = await Store.open(where)
    try:
        key, token = await credentials(store)
        verifier = KeyVerifier(store, resource=AUDIENCE)
        spent = {"key": 0.0, "token": 0.0}
        for credential in (key, token) * 100:  # warm-up
            assert await verifier.verify_token(credential) is not None
        for _ in range(max(1, calls // ROUND)):
            for name, credential in (("key", key), ("token", token)):
                started = clock()
                for _ in range(ROUND):
                    await verifier.verify_token(credential)
                spent[name] += clock() - started
        done = max(1, calls // ROUND) * ROUND
        row = {name: {"checks_per_s": round(done / s), "us_per_check": round(s / done * 1e6, 1)} for name, s in spent.items()}
        return {"store": "postgresql" if where.startswith("postgresql") else "sqlite", "calls": done, **row,
                "ratio_token_to_key": round(spent["token"] / spent["key"], 2)}  # fmt: skip
    finally:
        await store.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=5000, help="checks of each (default 5000)")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="the time that passed (default), or this thread's CPU time")
    parser.add_argument("--postgresql", metavar="URL", help="also on this existing, empty PostgreSQL database")
    parser.add_argument("--json", metavar="FILE", help="write the figures here too")
    args = parser.parse_args()
    clock = time.thread_time if args.clock == "cpu" else time.perf_counter
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(await measure(str(Path(tmp) / "bench.db"), args.calls, clock))
    if args.postgresql:
        results.append(await measure(args.postgresql, args.calls, clock))
    print("| store | key checks/s | token checks/s | µs per key | µs per token | token / key |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['store']} | {r['key']['checks_per_s']} | {r['token']['checks_per_s']} | {r['key']['us_per_check']} | "
              f"{r['token']['us_per_check']} | **{r['ratio_token_to_key']}×** |")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    anyio.run(main)
