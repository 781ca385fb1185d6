"""A task search's read on PostgreSQL, as main said it before and as this tree says it, alternated call by call.

    python benchmarks/bench_search_postgresql.py --before postgresql:///old --after postgresql:///new

--after must be at schema 32 or later (worktrail_words, migration 32); --before may be the same
database. "before" is the read as 4a3477a made it (issue 30's first step: BEGIN, the words made a
tsquery in a round trip of their own, the capped matches, the page read by their rowids, COMMIT);
"after" is this tree's (postgresql/search.py: BEGIN with plans made for the words, one statement
for a search alone (two at the cap), COMMIT; with a status, the count and the page as before but with the words
folded in). Each case runs on each database in turn, so that the machine's drift falls on both
alike: median and worst ms of --calls reads each, after three unmeasured. Only the store's own
SQL is timed (the key's re-check, which both make, is left out), not the tool around it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import asyncpg

from worktrail.store.postgresql.connection import postgresql_sql
from worktrail.store.postgresql.search import NEWEST, WALKED, match_query
from worktrail.store.rows import COUNT_CAP

SETTINGS = {"max_parallel_workers_per_gather": "0", "random_page_cost": "1.1"}
CASES = {"one word": ("Bimife", None), "one word and a status": ("Bimife", "planned"),
         "1-letter prefix": ("b", None), "2-letter prefix": ("ka", None),
         "2-letter prefix and a status": ("ka", "done"), "no match": ("zzz", None)}  # fmt: skip
_FOUND = "SELECT rowid FROM task_text WHERE search @@ {match}"
_ALONE = postgresql_sql(NEWEST.format(cap=COUNT_CAP))


def statements(match: str, status: str) -> tuple[str, str]:
    """The count and the page of a search with a status, `match` the full-text test (words: $1)."""
    where = f"WHERE status IN ($2) AND rowid IN ({_FOUND.format(match=match)})"
    count = f"SELECT COUNT(*) FROM (SELECT 1 FROM task {where} LIMIT 10000) AS counted"
    return count, f"SELECT * FROM task {where} ORDER BY rowid DESC LIMIT 50 OFFSET 0"


async def before(raw: asyncpg.Connection, words: str, status: str | None) -> int:
    async with raw.transaction(isolation="repeatable_read", readonly=True):
        query = (await raw.fetchrow("SELECT set_config('plan_cache_mode', 'force_custom_plan', true), "
                                    "to_tsquery('simple', unaccent($1))::text", words))[1]  # fmt: skip
        if status is not None:
            count, page = statements("$1::tsquery", status)
            total = await raw.fetchval(count, query, status)
            await raw.fetch(page, query, status)
            return int(total)
        # A search alone: its matches found once, the newest 50 read by rowid (newest_matches).
        found = [r[0] for r in await raw.fetch(_FOUND.format(match="$1::tsquery") + " LIMIT 10000", query)]
        if len(found) >= 10000:
            page = f"SELECT * FROM task WHERE rowid IN ({_FOUND.format(match='$1::tsquery')}) ORDER BY rowid DESC LIMIT 50"
            await raw.fetch(page, query)
        else:
            newest = sorted(found, reverse=True)[:50]
            await raw.fetch("SELECT * FROM task WHERE rowid = ANY($1::bigint[]) ORDER BY rowid DESC", newest)
    return len(found)


async def after(raw: asyncpg.Connection, words: str, status: str | None) -> int:
    await raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL plan_cache_mode = force_custom_plan")
    try:
        if status is not None:
            count, page = statements("worktrail_words($1)", status)
            total = int(await raw.fetchval(count, words, status))
            await raw.fetch(page, words, status)
        else:
            total = int((await raw.fetch(_ALONE, words, 50, 0))[0]["search_total"])
            if total >= COUNT_CAP:
                await raw.fetch(postgresql_sql(WALKED), words, 50, 0)
    finally:
        await raw.execute("COMMIT")
    return total


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
