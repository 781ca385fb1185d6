"""`worktrail export`: the ledger's data out as JSON lines or CSV, streamed (constant memory at a
million tasks), with a progress line on a terminal."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Any, TextIO

from worktrail.cli.failures import Refused
from worktrail.cli.ledger import ledger, open_store
from worktrail.domain.fields import normalize_moment
from worktrail.store.export import BY_NAME, KINDS, Kind
from worktrail.store.store import Store


async def export(args: argparse.Namespace) -> int:
    kinds = [BY_NAME[name] for name in args.kind] if args.kind else list(KINDS)
    if args.format == "csv" and len(kinds) != 1:
        raise Refused("CSV holds one kind of row: name it with --kind (e.g. --kind tasks), or use --format jsonl")
    try:
        since = normalize_moment(args.since) if args.since is not None else None
    except ValueError as error:
        raise Refused(f"--since {error}") from None
    async with open_store(ledger(args.db), access="read_only") as store:
        total = 0
        for kind in kinds:
            total += await _one_kind(store, kind, since, args.format, sys.stdout, sys.stderr.isatty())
    sys.stdout.flush()
    print(f"exported {total:,} rows", file=sys.stderr)
    return 0


async def _one_kind(store: Store, kind: Kind, since: str | None, form: str, out: TextIO, progress: bool) -> int:
    expected = await store.export.count(kind, since) if progress else 0
    written = 0
    writer: Any = None
    async for batch in store.export.rows(kind, since):
        if form == "csv":
            if writer is None:
                writer = csv.DictWriter(out, fieldnames=list(batch[0]), lineterminator="\n")
                writer.writeheader()
            writer.writerows({k: _cell(v) for k, v in row.items()} for row in batch)
        else:
            out.writelines(json.dumps({"_kind": kind.name, **row}, ensure_ascii=False) + "\n" for row in batch)
        written += len(batch)
        if progress:
            print(f"\r{kind.name}: {written:,} / {expected:,}", end="", file=sys.stderr, flush=True)
    if progress:
        print(f"\r{kind.name}: {written:,} rows" + " " * 20, file=sys.stderr)
    return written


def _cell(value: Any) -> Any:
    """A CSV cell: JSON values as their JSON text, nulls empty."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value
