"""`worktrail board`: the board alone, on this machine (loopback only, no `/mcp`), for a person
beside a stdio server. It prints a one-time login address that logs the browser in as the
ledger's owner: whoever can run worktrail on the ledger can already act as its owner."""

from __future__ import annotations

import argparse
import logging
import sys
import webbrowser
from dataclasses import replace

from starlette.routing import Mount

from worktrail.board.app import board_app
from worktrail.board.options import BoardOptions
from worktrail.board.view import Board
from worktrail.cli.failures import Refused
from worktrail.cli.ledger import ledger, open_store
from worktrail.cli.serve_http import access_lines_to_stderr, listening_socket, serve_app
from worktrail.domain.clock import SystemClock
from worktrail.domain.errors import ToolError
from worktrail.store.board.sessions import TICKET_TTL
from worktrail.tools.catalog import ALL_TOOLS
from worktrail.tools.context import Serving
from worktrail.tools.registry import Registry
from worktrail.transport.http.access_log import AccessLog
from worktrail.transport.http.app import HttpOptions, ledger_provider

log = logging.getLogger(__name__)


def board_beside(registry: Registry, http: HttpOptions, session_ttl: object) -> HttpOptions:
    """`serve --http`'s options with the board's app mounted at `/`, after `/mcp` and the health
    routes: every other address is the board's, its 404 page and its headers included (its own
    registry of every tool over the same store: the board reads every family whatever --toolsets serves)."""
    own = Registry(ALL_TOOLS, registry.store, registry.clock, idempotency_ttl=registry.idempotency_ttl,
                   serving=registry.serving)  # fmt: skip
    oauth = http.auth == "oauth"
    # One-time sign-in addresses (worktrail link) only where the server knows the address people reach it by.
    public = http.issuer if oauth or http.public_url else None
    options = BoardOptions(session_ttl=session_ttl, secure=http.tls, allowed_hosts=http.allowed_hosts,  # type: ignore[arg-type]
                           ticket_origin=public)  # fmt: skip
    # One budget per key (or session) and address for both, document fetches included.
    board = Board(own, options, limits=http.limits, oauth=ledger_provider(http, registry.store) if oauth else None)
    return replace(http, extra_routes=(*http.extra_routes, Mount("", app=board_app(board))))


async def board(args: argparse.Namespace) -> int:
    path = ledger(args.db)
    access_lines_to_stderr(args.log_level)
    async with open_store(path) as store:
        sock = listening_socket("127.0.0.1", args.port)  # before a login address is made and printed
        registry = Registry(ALL_TOOLS, store, serving=Serving(None))
        origin = f"http://127.0.0.1:{args.port}"  # its one-time address logs in here and nowhere else
        app = board_app(Board(registry, BoardOptions(session_ttl=args.board_session_ttl, ticket_origin=origin)))
        try:
            ticket = await store.board_sessions.ticket(SystemClock().now(), origin)
        except ToolError as refused:
            raise Refused(refused.message) from None
        address = f"{origin}/login/once?token={ticket}"
        minutes = int(TICKET_TTL.total_seconds() // 60)
        print(f"The board of {path} is at http://127.0.0.1:{args.port}/ (this machine only).", file=sys.stderr)
        print(f"Log in as the ledger's owner, once, within {minutes} minutes, at:\n  {address}", file=sys.stderr)
        print("Or log in there with an API key. Ctrl-C stops it.", file=sys.stderr)
        sys.stderr.flush()
        if args.open:
            webbrowser.open(address)
        await serve_app(AccessLog(app), HttpOptions(port=args.port), args.drain, sock=sock)
    return 0
