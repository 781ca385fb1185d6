"""`worktrail init`: create the database, the owner and the owner's first key."""

from __future__ import annotations

import argparse
import json
import sys

from worktrail.cli.client import check_form, configuration
from worktrail.cli.clients import CLIENTS
from worktrail.cli.ledger import ledger, open_store
from worktrail.domain.clock import SystemClock, format_ts
from worktrail.domain.errors import ToolError
from worktrail.store.audit import Origin


async def initialise(args: argparse.Namespace) -> int:
    path = ledger(args.db)
    check_form(args.client or "generic", path.url or str(path), args.url)  # before the ledger is made
    async with open_store(path, access="create") as store:
        try:
            owner, key, api_key = await store.keys.bootstrap_owner(
                Origin(None, "worktrail init", format_ts(SystemClock().now())), args.name
            )
        except ToolError as refused:
            if args.json:
                print(json.dumps(refused.envelope()))
            else:
                print(f"worktrail init: {path}: {refused.message} For another key: worktrail key create --db {path}",
                      file=sys.stderr)  # fmt: skip
            return 1
    if args.json:
        print(json.dumps({"db": str(path), "resource_id": owner["id"], "api_key": api_key}))
        return 0
    print(f"Created the worktrail ledger at {path}")
    print(f"Owner: {owner['name']} ({owner['id']}), key {key['id']}")
    print()
    print("API key (shown only now; it is stored hashed):")
    print(f"  {api_key}")
    print()
    print(configuration(args.client or "generic", path.url or str(path), api_key, args.url))
    if not args.client:
        print()
        print(f"For one client's own form and file: worktrail init --client {{{','.join(sorted(CLIENTS))}}}")
        print("(on a ledger that exists already, make a key with: worktrail key create)")
    return 0
