"""`worktrail link`: a one-time sign-in address for a person at a board, for whoever can write the
ledger (who can already act as its owner): an admin hands it to a person who has no key, and
their browser signs in at the board with it, once, within 15 minutes. It works at the board of
that address only: `worktrail board` (http://127.0.0.1:8766 by default), or a `serve --http`
server that has a public URL (`--public-url`, or `--auth oauth`'s loopback issuer)."""

from __future__ import annotations

import argparse

from worktrail.cli.failures import Refused
from worktrail.cli.ledger import ledger, open_store
from worktrail.domain.clock import SystemClock
from worktrail.domain.errors import ToolError
from worktrail.store.board.sessions import LINK_TTL


async def link(args: argparse.Namespace) -> int:
    path = ledger(args.db)
    async with open_store(path) as store:
        try:
            ticket, who = await store.board_sessions.link(SystemClock().now(), args.url, args.resource, LINK_TTL)
        except ToolError as refused:
            raise Refused(f"--resource: {refused.message}" if args.resource else refused.message) from None
    minutes = int(LINK_TTL.total_seconds() // 60)
    print(f"Sign in as {who['name']} ({who['id']}) at {args.url}/, once, within {minutes} minutes:")
    print(f"  {args.url}/login/once?token={ticket}")
    print("Open it, or paste it into the board's login page (where an app's sign-in goes on to its consent page).")
    return 0
