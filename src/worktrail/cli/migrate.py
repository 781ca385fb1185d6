"""`worktrail migrate --from SRC --to DST`: a whole ledger copied between stores (SQLite to
PostgreSQL and back), then proved the same table by table (counts and checksums)."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from worktrail.cli.failures import Refused
from worktrail.cli.ledger import ledger, open_store
from worktrail.domain.clock import SystemClock
from worktrail.domain.durations import shown
from worktrail.store import transfer
from worktrail.store.locator import Location
from worktrail.store.store import Store


def _progress(table: str, done: int, total: int) -> None:
    """On a terminal, one line that keeps up with the copy; elsewhere nothing."""
    if sys.stderr.isatty():
        end = "\n" if done >= total else ""
        print(f"\r  copying {table:<16} {done:>10,} / {total:,}", end=end, file=sys.stderr, flush=True)


async def _refuse_while_served(src: Store, source: Location, instance_ttl: timedelta) -> None:
    """A server writing to the source would lose what it writes after the copy's snapshot (and its
    instance row would be copied as if it served the destination)."""
    alive = await src.recovery.alive(SystemClock().now(), instance_ttl)
    if alive:
        latest = alive[0]
        raise Refused(
            f"{source} is being served: {len(alive)} process{'' if len(alive) == 1 else 'es'} with a heartbeat within "
            f"{shown(instance_ttl)} (pid {latest['pid']} on {latest['host']}, last at {latest['heartbeat_at']}); "
            "stop the servers first, so that nothing they write is left behind, or copy anyway with --force"
        )


async def migrate(args: argparse.Namespace) -> int:
    source, dest = ledger(args.source), ledger(args.dest)
    if source == dest:
        raise Refused(f"--from and --to are the same ledger ({source}); name a new, empty one to copy into")
    async with open_store(source, access="read_only") as src:
        if not args.force:  # before the destination is made
            await _refuse_while_served(src, source, args.instance_ttl)
        async with open_store(dest, access="create") as dst:
            filled = {table: n for table, n in (await transfer.counts(dst.db)).items() if n}
            if filled:
                listed = ", ".join(f"{table} ({n} row{'' if n == 1 else 's'})" for table, n in filled.items())
                raise Refused(f"{dest} is not empty: {listed}; migrate copies into an empty ledger only")
            print(f"copying {source} to {dest}", file=sys.stderr)
            read = await transfer.copy(src.db, dst.db, _progress)
            written = await transfer.tally(dst.db)
    alike = {table: found == written[table] for table, found in read.items()}  # the same count and checksum
    print(f"{'table':<16} {'source':>10} {'destination':>12}  {'checksum':<16}  same")
    for table, found in read.items():
        there = written[table]
        checksum = found.digest if alike[table] else f"{found.digest} != {there.digest}"
        print(f"{table:<16} {found.rows:>10} {there.rows:>12}  {checksum:<16}  {'yes' if alike[table] else 'NO'}")
    total = sum(found.rows for found in read.values())
    if not all(alike.values()):
        print(f"migrate: the copy in {dest} differs from {source} (see the table above)", file=sys.stderr)
        return 1
    print(f"copied {total} rows from {source} to {dest}; every table has the same count and checksum")
    return 0
