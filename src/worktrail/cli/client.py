"""`worktrail client NAME [--url URL]`: the configuration a client wants, for a ledger that exists
already: over stdio (this machine's ledger), or by URL for a `serve --http` server. The key is
the one given (`--key`, or $WORKTRAIL_API_KEY) or, with `--new-key`, a new key of the owner's."""

from __future__ import annotations

import argparse
import os

from worktrail.cli.clients import CLIENTS, Launch
from worktrail.cli.failures import Refused
from worktrail.cli.ledger import ledger, open_store
from worktrail.cli.remote_clients import REMOTE_CLIENTS, Remote
from worktrail.domain.clock import SystemClock, format_ts
from worktrail.domain.ids import API_KEY_PREFIX
from worktrail.store.audit import Origin


def configuration(name: str, db: str, api_key: str, url: str | None) -> str:
    """What to paste where, for client `name` (a one-line refusal for a form it cannot take)."""
    if url is None:
        if name not in CLIENTS:
            raise Refused(f"{name} is told a server's URL: give --url http://HOST:PORT/mcp (a serve --http server)")
        return CLIENTS[name](Launch.for_ledger(db, api_key))
    if not url.rstrip("/").endswith("/mcp"):
        raise Refused(f"--url {url} should name the server's MCP endpoint, ending in /mcp (e.g. http://host:8765/mcp)")
    try:
        return REMOTE_CLIENTS[name](Remote(url, api_key))
    except ValueError as refused:
        raise Refused(str(refused)) from None


def check_form(name: str, db: str, url: str | None) -> None:
    """Refuse, before anything is written (a ledger, a key), a form client `name` cannot take: the
    configuration is made with a stand-in key and thrown away."""
    configuration(name, db, f"{API_KEY_PREFIX}...", url)


async def client(args: argparse.Namespace) -> int:
    path = ledger(args.db)
    check_form(args.name, path.url or str(path), args.url)
    api_key = args.key or os.environ.get("WORKTRAIL_API_KEY")
    if args.new_key:
        async with open_store(path) as store:
            origin = Origin(None, "worktrail client", format_ts(SystemClock().now()))
            key, api_key = await store.maintenance.mint_key(origin, None, f"{args.name} key")
        print(f"A new API key of the owner's, {key['id']} (shown only now; it is stored hashed).\n")
    elif not api_key:
        raise Refused("name the key the client sends: --key KEY, $WORKTRAIL_API_KEY, or --new-key to make one")
    elif args.url is None:
        async with open_store(path, access="read_only"):
            pass  # the ledger must exist: a client started on a typo would fail at every start
    print(configuration(args.name, path.url or str(path), api_key, args.url))
    return 0
