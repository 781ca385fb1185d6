"""`ts.aud.list` at a million tasks: the server's time of each kind of audit list, as bench_scale.py
measures `ts.tsk.list` (through the registry in this process, median and worst of `--repeats`).

    python benchmarks/bench_audit.py --db LEDGER --measure API_KEY [--json FILE]

Run it side by side with an older checkout on a copy of the ledger from before
(`PYTHONPATH=<older checkout>/src python benchmarks/bench_audit.py --db COPY ...`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import anyio

sys.path.insert(0, str(Path(__file__).parent))
from bench_scale import logged_in  # noqa: E402

from worktrail.store.connection import Connection  # noqa: E402
from worktrail.store.store import Store  # noqa: E402


async def audit_cases(store: Store) -> dict[str, dict[str, Any]]:
    """The `ts.aud.list` calls measured: limit 50 each, every filter, and `since` with others."""

    async def picks(conn: Connection) -> list[Any]:
        return [(await conn.fetchone("SELECT MAX(at) FROM change_record"))[0]]

    # The newest task's record and the newest actor, as the trail lists them (a task's create is
    # kept on its row since schema 33, store/audit_creates.py).
    everything: dict[str, Any] = dict(entity_id=None, actor_id=None, entity_type=None, action=None, since=None,
                                      keys_of=None, limit=50, offset=0)  # fmt: skip
    entity = (await store.audit.list(**{**everything, "entity_type": "task", "limit": 1}))[0][0]["entity_id"]
    actor = next(r["actor_id"] for r in (await store.audit.list(**everything))[0] if r.get("actor_id"))
    (latest,) = await store.db.read(picks)
    recent, old, later = f"{latest[:4]}-01-01T00:00:00Z", "2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z"
    return {
        "whole trail": {"limit": 50},
        "one entity's history": {"entity_id": entity},
        "actor": {"limit": 50, "actor_id": actor},
        "type task": {"limit": 50, "entity_type": "task"},
        "type api_key (rare)": {"limit": 50, "entity_type": "api_key"},
        "since this year": {"limit": 50, "since": recent},
        "since 2000": {"limit": 50, "since": old},
        "since 2100 (none)": {"limit": 50, "since": later},
        "since this year, actor": {"limit": 50, "since": recent, "actor_id": actor},
        "since this year, type task": {"limit": 50, "since": recent, "entity_type": "task"},
        "since 2000, type task": {"limit": 50, "since": old, "entity_type": "task"},
        "since 2000, actor": {"limit": 50, "since": old, "actor_id": actor},
        "since 2000, type api_key": {"limit": 50, "since": old, "entity_type": "api_key"},
        "offset 10,000": {"limit": 50, "offset": 10_000},
        "action update": {"limit": 50, "action": "update"},
        "action cancel (3 %)": {"limit": 50, "action": "cancel"},
        "action delete (rare or none)": {"limit": 50, "action": "delete"},
        "action cancel, type task": {"limit": 50, "action": "cancel", "entity_type": "task"},
        "since this year, action cancel": {"limit": 50, "since": recent, "action": "cancel"},
    }


async def measure(db: str, api_key: str, repeats: int) -> list[dict[str, Any]]:
    rows = []
    store = await Store.open(db)
    try:
        registry, session = await logged_in(store, api_key)
        for label, arguments in (await audit_cases(store)).items():
            times = []
            for n in range(repeats + 3):
                t0 = time.perf_counter()
                answer = await registry.call("ts.aud.list", arguments, session)
                if n >= 3:
                    times.append((time.perf_counter() - t0) * 1000)
                if answer.is_error:
                    raise SystemExit(f"ts.aud.list {arguments} was refused: {answer.payload}")
            rows.append({"case": label, "arguments": arguments, "median_ms": statistics.median(times),
                         "max_ms": max(times), "total": answer.payload["total"]})  # fmt: skip
    finally:
        await store.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True)
    parser.add_argument("--measure", metavar="API_KEY", required=True)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    text = json.dumps({"lists": anyio.run(measure, args.db, args.measure, args.repeats)}, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
