"""`worktrail backup` and `worktrail check`: a safe copy of the ledger, and whether it is sound."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from worktrail.cli.failures import Refused
from worktrail.cli.ledger import ledger, open_store
from worktrail.store.health import DEPENDENCIES_OUT_OF_STEP, SEARCH_OUT_OF_STEP


async def backup(args: argparse.Namespace) -> int:
    source = ledger(args.db)
    dest = Path(args.dest).expanduser()
    if source.kind == "postgresql":  # pg_dump makes a consistent copy while the ledger is in use
        raise Refused(
            f"{source} is a PostgreSQL ledger and this copies SQLite files; back it up with pg_dump, e.g.: "
            f"pg_dump --format=custom --file={dest} '{source}' (give it the password as PGPASSWORD or ~/.pgpass)"
        )
    if dest.exists():
        raise Refused(f"{dest} already exists; name a new file (a backup never overwrites)")
    if not dest.parent.is_dir():
        raise Refused(f"the folder {dest.parent} does not exist")
    async with open_store(source, access="read_only") as store:
        await store.db.backup(dest)
    print(f"backed up {source} to {dest}")
    return 0


async def check(args: argparse.Namespace) -> int:
    path = ledger(args.db)
    async with open_store(path, access="existing" if args.repair else "read_only") as store:
        report = await store.maintenance.check()
        if args.repair and any(p.startswith(SEARCH_OUT_OF_STEP) for p in report["problems"]):
            await store.maintenance.rebuild_search_index()
            print(f"{path}: rebuilt the task search index")
            report = await store.maintenance.check()
        if args.repair and any(p.startswith(DEPENDENCIES_OUT_OF_STEP) for p in report["problems"]):
            recounted = await store.maintenance.recount_dependencies()
            print(f"{path}: counted the open dependencies of {recounted} tasks again")
            report = await store.maintenance.check()
    if args.json:
        print(json.dumps({"db": str(path), **report}, indent=2))
    else:
        print(f"{path}: {'sound' if report['sound'] else 'NOT SOUND'} (schema version {report['schema_version']})")
        for problem in report["problems"]:
            print(f"  problem: {problem}")
        for note in report.get("notes", []):
            print(f"  note: {note}")
        for table, count in report["counts"].items():
            print(f"  {table:<14} {count}")
    return 0 if report["sound"] else 1
