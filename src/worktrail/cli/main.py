"""The `worktrail` command line: argument parsing and dispatch to one module per command."""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
from collections.abc import Awaitable, Callable

import anyio

from worktrail import __version__
from worktrail.store.migrations import SchemaTooNew
from worktrail.transport.tool_names import TOOL_NAME_MODES


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="worktrail", description="A work ledger that AI agents keep over MCP.")
    parser.add_argument("--version", action="version", version=f"worktrail {__version__}")
    levels = ["DEBUG", "INFO", "WARNING", "ERROR"]
    parser.add_argument("--log-level", default="WARNING", choices=levels, help="stderr log level (default WARNING)")
    # Also accepted after the command (`worktrail serve --log-level INFO`); SUPPRESS keeps the top-level value otherwise.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--log-level", default=argparse.SUPPRESS, choices=levels, help="stderr log level")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help, parents=[common])

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--db", help="database file (default: $WORKTRAIL_DB, else the user data directory)")
        return p

    serve = with_db(command("serve", "serve MCP over stdio"))
    serve.add_argument(
        "--tool-names",
        choices=TOOL_NAME_MODES,
        default="auto",
        help="publish dotted names, underscore names, or pick by client (default: auto)",
    )
    serve.add_argument(
        "--toolsets",
        type=lambda s: [x.strip() for x in s.split(",") if x.strip()],
        help="comma-separated toolsets to serve (default: all)",
    )
    serve.add_argument(
        "--synchronous",
        choices=["NORMAL", "FULL"],
        default="NORMAL",
        help="SQLite synchronous level (FULL survives power loss at some speed cost)",
    )

    init = with_db(command("init", "create the database, the owner and its first API key"))
    init.add_argument("--json", action="store_true", help='print only {"db", "resource_id", "api_key"}')
    init.add_argument("--name", default="owner", help="the owner's name (default: owner)")

    call = with_db(command("call", "call one tool (logged in with $WORKTRAIL_API_KEY)"))
    call.add_argument("tool", help="tool name, e.g. ts.tsk.update")
    call.add_argument("arguments", nargs="?", help="JSON object, @file, or - for standard input (default: {})")

    tools = command("tools", "list the tools")
    tools.add_argument("--json", action="store_true", help="print the catalogue as JSON")

    schemas = command("schemas", "write or check tool_schemas/")
    mode = schemas.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", metavar="DIR", help="write every tool's schema file into DIR")
    mode.add_argument("--check", metavar="DIR", help="fail if DIR differs from what the code generates")

    command("demo", "walk through an agent's session on a temporary ledger")
    return parser


def _command(name: str) -> Callable[[argparse.Namespace], Awaitable[int] | int]:
    # Imported per command so `worktrail tools` does not pay for the SDK's start-up.
    if name == "serve":
        from worktrail.cli.serve import serve

        return serve
    if name == "init":
        from worktrail.cli.initialise import initialise

        return initialise
    if name == "call":
        from worktrail.cli.call import call

        return call
    if name == "demo":
        from worktrail.cli.demo import demo

        return demo
    from worktrail.cli import catalog

    return {"tools": catalog.tools, "schemas": catalog.schemas}[name]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr, level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        result = _command(args.command)(args)
        if isinstance(result, int):
            return result

        async def run() -> int:
            return await result  # type: ignore[misc]

        return anyio.run(run, backend="asyncio")
    except (sqlite3.DatabaseError, SchemaTooNew) as error:  # a file that is not (our) database
        print(f"worktrail {args.command}: cannot use the database: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `worktrail tools | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
