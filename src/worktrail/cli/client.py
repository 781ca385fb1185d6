"""`worktrail client NAME [--url URL]`: the configuration a client wants, for a ledger that exists
already: over stdio (this machine's ledger), or by URL for a `serve --http` server. The key is
the one given (`--key`, or $WORKTRAIL_API_KEY) or, with `--new-key`, a new key of the owner's.
Without a key, a client that signs in by itself gets the form without one when the server signs
clients in with OAuth (`--sign-in` says so; otherwise the server's metadata is asked). claude.ai
and ChatGPT take no key at all: they get the steps that add the server as a connector."""

from __future__ import annotations

import argparse
import os

from worktrail.cli.clients import CLIENTS, Launch
from worktrail.cli.connectors import CONNECTORS, steps
from worktrail.cli.failures import Refused
from worktrail.cli.ledger import ledger, open_store
from worktrail.cli.oauth_probe import probe
from worktrail.cli.remote_clients import REMOTE_CLIENTS, SIGNS_IN, Remote
from worktrail.domain.clock import SystemClock, format_ts
from worktrail.domain.ids import API_KEY_PREFIX
from worktrail.store.audit import Origin

NO_KEY = "name the key the client sends: --key KEY, $WORKTRAIL_API_KEY, or --new-key to make one"


def configuration(name: str, db: str, api_key: str | None, url: str | None) -> str:
    """What to paste where, for client `name` (a one-line refusal for a form it cannot take); no
    `api_key`: the form in which the client signs in with OAuth."""
    if url is None:
        if name not in CLIENTS:
            raise Refused(f"{name} is told a server's URL: give --url http://HOST:PORT/mcp (a serve --http server)")
        if api_key is None:
            raise Refused(NO_KEY)
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


def _connector(args: argparse.Namespace) -> str:
    if args.url is None:
        raise Refused(f"{args.name} connects to a server by its public address: give --url https://HOST/mcp")
    service = CONNECTORS[args.name].service
    if args.key or args.new_key:
        raise Refused(f"{service} takes no API key (its connectors send only OAuth tokens, never a key): drop "
                      "--key/--new-key; the person signs in on the board's page when the connector is added")  # fmt: skip
    try:
        return steps(args.name, args.url)
    except ValueError as refused:
        raise Refused(str(refused)) from None


def _without_a_key(args: argparse.Namespace) -> str:
    """The form without a key, when the client and the server both sign in with OAuth."""
    if args.url is None:
        raise Refused(NO_KEY if not args.sign_in else "--sign-in is for a server reached by --url URL (with --auth oauth)")
    if args.name not in SIGNS_IN:
        raise Refused(f"{NO_KEY} ({args.name} is given a key; the form without one, for a server with --auth oauth, "
                      f"is printed for {', '.join(sorted(SIGNS_IN))})")  # fmt: skip
    if not args.sign_in:
        found = probe(args.url)
        if not found.signs_in:
            raise Refused(f"{NO_KEY}: {found.why_not}; --sign-in prints the form without a key regardless")
        if found.resource and found.resource.rstrip("/") != args.url.rstrip("/"):
            # A client checks that the metadata names the URL it was given, and signs in to no other.
            raise Refused(f"--url {args.url}: the server names its MCP address {found.resource} (its --public-url): "
                          f"give --url {found.resource}, the address clients sign in to")  # fmt: skip
    return configuration(args.name, "", None, args.url)


async def client(args: argparse.Namespace) -> int:
    if args.name in CONNECTORS:
        print(_connector(args))
        return 0
    path = ledger(args.db)
    check_form(args.name, path.url or str(path), args.url)
    api_key = args.key or (None if args.sign_in else os.environ.get("WORKTRAIL_API_KEY"))
    if args.new_key:
        async with open_store(path) as store:
            origin = Origin(None, "worktrail client", format_ts(SystemClock().now()))
            key, api_key = await store.maintenance.mint_key(origin, None, f"{args.name} key")
        print(f"A new API key of the owner's, {key['id']} (shown only now; it is stored hashed).\n")
    elif not api_key:
        print(_without_a_key(args))
        return 0
    elif args.url is None:
        async with open_store(path, access="read_only"):
            pass  # the ledger must exist: a client started on a typo would fail at every start
    print(configuration(args.name, path.url or str(path), api_key, args.url))
    return 0
