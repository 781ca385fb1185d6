"""`worktrail key create | revoke | list`: API keys (and, to list and revoke, OAuth grants) from the command line, for whoever can write the
ledger file, so that a lost key never locks a ledger for good."""

from __future__ import annotations

import argparse
import json
from typing import Any

from worktrail.cli.failures import Refused
from worktrail.cli.ledger import ledger, open_store
from worktrail.domain.clock import SystemClock, format_ts
from worktrail.domain.errors import ToolError
from worktrail.domain.oauth_tokens import GRANT_PREFIX
from worktrail.store.audit import Origin


async def keys(args: argparse.Namespace) -> int:
    path = ledger(args.db)
    if args.key_command == "list":
        async with open_store(path, access="read_only") as store:
            return _print_keys(await store.maintenance.keys(), await store.oauth_grants.list(), args.json)
    origin = Origin(None, f"worktrail key {args.key_command}", format_ts(SystemClock().now()))
    async with open_store(path) as store:
        try:
            if args.key_command == "create":
                key, api_key = await store.maintenance.mint_key(origin, args.resource, args.name)
            elif args.id.startswith(GRANT_PREFIX):
                return await _revoke_grant(store, origin, args.id)
            else:
                revoked = await store.maintenance.revoke_key(origin, args.id, args.with_descendants)
        except ToolError as refused:
            raise Refused(refused.message) from None
    if args.key_command == "revoke":
        said = "was already revoked" if revoked["already_revoked"] else "revoked"
        print(f"{revoked['id']} (of {revoked['resource_id']}) {said} at {revoked['revoked_at']}")
        for minted in revoked.get("revoked_descendants", []):
            print(f"{minted} revoked too: it was minted through {revoked['id']} or a key it minted")
        return 0
    if args.json:
        print(json.dumps({"id": key["id"], "resource_id": key["resource_id"], "api_key": api_key}))
        return 0
    print(f"API key {key['id']} for {key['resource_id']} (shown only now; it is stored hashed):")
    print(f"  {api_key}")
    return 0


COLUMNS = ("id", "name", "role", "resource_id", "created_at", "last_used_at", "revoked_at")
GRANT_COLUMNS = ("id", "app", "scope", "resource_id", "created_at", "last_used_at")


def app_shown(grant: dict[str, Any]) -> str:
    """An app's name with where it is: its document's host, or, registered here under any name it
    chose, "unverified" and the host it returns to."""
    where = grant["client_host"] if grant["verified"] else f"unverified, returns to {grant['client_host']}"
    return f"{grant['client_name'] or grant['client_id']} ({where})"


async def _revoke_grant(store: Any, origin: Origin, grant_id: str) -> int:
    grant = await store.oauth_grants.get(grant_id)
    if grant is None:
        raise Refused(f"no OAuth grant {grant_id} in this ledger (worktrail key list shows them)")
    changed = await store.oauth_grants.revoke(origin, grant_id)
    said = "revoked" if changed else "was already revoked"
    print(f"{grant_id} ({grant['client_name'] or grant['client_id']} for {grant['resource_id']}) {said}")
    return 0


def _table(columns: tuple[str, ...], items: list[dict[str, Any]]) -> None:
    rows = [columns] + [tuple(item[c] or "-" for c in columns) for item in items]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(columns))]
    for row in rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _print_keys(keys: list[dict[str, Any]], grants: list[dict[str, Any]], as_json: bool) -> int:
    """The keys, then the standing OAuth grants ("connected apps"), which are credentials too."""
    if as_json:
        for key in keys:
            print(json.dumps(key))
        for grant in grants:
            print(json.dumps({"kind": "oauth_grant", **grant}))
        return 0
    _table(COLUMNS, keys)
    active = sum(1 for key in keys if key["revoked_at"] is None)
    print(f"\n{len(keys)} key{'' if len(keys) == 1 else 's'}, {active} active")
    if grants:
        print("\nConnected apps (OAuth grants; worktrail key revoke ID ends one):")
        _table(GRANT_COLUMNS, [{**g, "app": app_shown(g)} for g in grants])
    return 0
