"""`worktrail serve`: MCP over stdio for one client."""

from __future__ import annotations

import argparse
import logging
import sys

from worktrail.cli.ledger import db_path, login_from_env, open_store, registry_for
from worktrail.domain.errors import ToolError
from worktrail.tools.context import Session
from worktrail.transport.server import build_server
from worktrail.transport.stdio import serve_stdio

log = logging.getLogger(__name__)


async def serve(args: argparse.Namespace) -> int:
    path = db_path(args.db)
    async with open_store(path, args.synchronous) as store:
        registry = registry_for(store, args.toolsets)
        session = Session()
        try:
            await login_from_env(store, session)
        except ToolError as refused:
            print(f"worktrail serve: WORKTRAIL_API_KEY was refused: {refused.message}", file=sys.stderr)
            return 1
        if session.actor is None:
            log.info("no WORKTRAIL_API_KEY: the client must call ts.auth.login")
        log.info("serving %s over stdio (tool names: %s)", path, args.tool_names)
        await serve_stdio(build_server(registry, session, args.tool_names))
    return 0
