"""`worktrail init`: create the database, the owner and the owner's first key."""

from __future__ import annotations

import argparse
import json
import sys

from worktrail.cli.ledger import db_path, open_store
from worktrail.domain.clock import SystemClock, format_ts
from worktrail.domain.errors import ToolError
from worktrail.store.audit import Origin


def client_config(path: str, api_key: str) -> dict[str, object]:
    """The `mcpServers` entry desktop clients take, with names every client accepts."""
    return {
        "mcpServers": {
            "worktrail": {
                "command": sys.executable,
                "args": ["-m", "worktrail", "serve", "--db", path, "--tool-names", "underscore"],
                "env": {"WORKTRAIL_API_KEY": api_key},
            }
        }
    }


async def initialise(args: argparse.Namespace) -> int:
    path = db_path(args.db).resolve()
    async with open_store(path) as store:
        try:
            owner, key, api_key = await store.keys.bootstrap_owner(
                Origin(None, "worktrail init", format_ts(SystemClock().now())), args.name
            )
        except ToolError as refused:
            if args.json:
                print(json.dumps(refused.envelope()))
            else:
                print(f"worktrail init: {path}: {refused.message}", file=sys.stderr)
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
    print("MCP client configuration (e.g. claude_desktop_config.json):")
    print(json.dumps(client_config(str(path), api_key), indent=2))
    return 0
