"""A task search's read on PostgreSQL, the statements before and after issue 30, alternated call by call.

    python benchmarks/bench_search_postgresql.py --before postgresql:///old --after postgresql:///new

Two copies of one ledger: --before at the schema before migration 25 (task_text's statistics as
PostgreSQL keeps them by default), --after upgraded by this worktrail. Each case runs the read a
`ts.tsk.list {search}` makes (its count capped at COUNT_CAP, then its page of 50), in a read-only
repeatable-read transaction as the store does, on each database in turn, so that the machine's
drift falls on both alike: median and worst ms of --calls reads each, after three unmeasured.
The statements are written out here as each tree says them (store/tasks/tasks.py, store/rows.py,
store/postgresql/search.py and connection.py); only the store's own SQL is timed, not the tool around it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import asyncpg

from worktrail.store.postgresql.search import match_query

SETTINGS = {"max_parallel_workers_per_gather": "0", "random_page_cost": "1.1"}
CASES = {"one word": ("Bimife", None), "one word and a status": ("Bimife", "planned"),
         "1-letter prefix": ("b", None), "2-letter prefix": ("ka", None),
         "2-letter prefix and a status": ("ka", "done"), "no match": ("zzz", None)}  # fmt: skip
_FOUND = "SELECT rowid FROM task_text WHERE search @@ {match}"


def statements(match: str, status: str | None) -> tuple[str, str]:
    """The count and the page of one search, with `match` the full-text test (its words are $1)."""
    found = _FOUND.format(match=match)
    if status is None:
        count = f"SELECT COUNT(*) FROM (SELECT 1 FROM task_text WHERE search @@ {match} LIMIT 10000) AS counted"
        page = f"SELECT * FROM task WHERE rowid IN ({found}) ORDER BY rowid DESC LIMIT 50 OFFSET 0"
        return count, page
    where = f"WHERE status IN ($2) AND rowid IN ({found})"
    count = f"SELECT COUNT(*) FROM (SELECT 1 FROM task {where} LIMIT 10000) AS counted"
    return count, f"SELECT * FROM task {where} ORDER BY rowid DESC LIMIT 50 OFFSET 0"


async def before(raw: asyncpg.Connection, words: str, status: str | None) -> int:
    count, page = statements("to_tsquery('simple', unaccent($1))", status)
    extra = [status] if status else []
    async with raw.transaction(isolation="repeatable_read", readonly=True):
        total = await raw.fetchval(count, words, *extra)
        await raw.fetch(page, words, *extra)
    return int(total)


async def after(raw: asyncpg.Connection, words: str, status: str | None) -> int:
    count, page = statements("$1::tsquery", status)
    extra = [status] if status else []
    async with raw.transaction(isolation="repeatable_read", readonly=True):
        query = (await raw.fetchrow("SELECT set_config('plan_cache_mode', 'force_custom_plan', true), "
                                    "to_tsquery('simple', unaccent($1))::text", words))[1]  # fmt: skip
        if status is not None:
            total = await raw.fetchval(count, query, *extra)
            await raw.fetch(page, query, *extra)
            return int(total)
        # A search alone: its matches found once, the newest 50 read by rowid (newest_matches).
        found = [r[0] for r in await raw.fetch(_FOUND.format(match="$1::tsquery") + " LIMIT 10000", query)]
        if len(found) >= 10000:
            await raw.fetch(page, query)
        else:
            newest = sorted(found, reverse=True)[:50]
            await raw.fetch("SELECT * FROM task WHERE rowid = ANY($1::bigint[]) ORDER BY rowid DESC", newest)
    return len(found)


async def measure(before_url: str, after_url: str, calls: int) -> list[dict[str, object]]:
    old = await asyncpg.connect(before_url, server_settings=SETTINGS)
    new = await asyncpg.connect(after_url, server_settings=SETTINGS)
    rows = []
    try:
        for label, (text, status) in CASES.items():
            words = match_query(text)
            times: dict[str, list[float]] = {"before": [], "after": []}
            totals = {}
            for n in range(calls + 3):
                for side, read, raw in (("before", before, old), ("after", after, new)):
                    t0 = time.perf_counter()
                    totals[side] = await read(raw, words, status)
                    if n >= 3:
                        times[side].append((time.perf_counter() - t0) * 1000)
            if totals["before"] != totals["after"]:
                raise SystemExit(f"{label}: the two reads counted {totals}")
            row = {"case": label, "search": text, "status": status, "total": totals["after"]}
            for side in ("before", "after"):
                row[f"{side}_median_ms"] = round(statistics.median(times[side]), 2)
                row[f"{side}_max_ms"] = round(max(times[side]), 2)
            row["ratio"] = round(row["after_median_ms"] / row["before_median_ms"], 3)  # type: ignore[operator]
            rows.append(row)
    finally:
        await old.close()
        await new.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", required=True)
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.before, args.after, args.calls)), indent=2))


if __name__ == "__main__":
    main()
