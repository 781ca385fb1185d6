"""`worktrail backup` and `worktrail check`: a safe copy of the ledger, and whether it is sound."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from worktrail.cli.failures import Refused
from worktrail.cli.ledger import db_path, open_store


def _existing(db: str | None) -> Path:
    path = db_path(db)
    if not path.exists():
        raise Refused(f"there is no ledger at {path}; name it with --db or $WORKTRAIL_DB")
    return path


async def backup(args: argparse.Namespace) -> int:
    source = _existing(args.db)
    dest = Path(args.dest).expanduser()
    if dest.exists():
        raise Refused(f"{dest} already exists; name a new file (a backup never overwrites)")
    if not dest.parent.is_dir():
        raise Refused(f"the folder {dest.parent} does not exist")
    async with open_store(source) as store:
        await store.db.backup(dest)
    print(f"backed up {source} to {dest}")
    return 0


async def check(args: argparse.Namespace) -> int:
    path = _existing(args.db)
    async with open_store(path) as store:
        report = await store.maintenance.check()
    if args.json:
        print(json.dumps({"db": str(path), **report}, indent=2))
    else:
        print(f"{path}: {'sound' if report['sound'] else 'NOT SOUND'} (schema version {report['schema_version']})")
        for problem in report["problems"]:
            print(f"  problem: {problem}")
        for table, count in report["counts"].items():
            print(f"  {table:<14} {count}")
    return 0 if report["sound"] else 1
