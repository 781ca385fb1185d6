"""The `worktrail` command line's words: every command, its options, what it does and an example."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

from worktrail import __version__
from worktrail.cli.clients import CLIENTS
from worktrail.domain.durations import parse_duration
from worktrail.transport.tool_names import TOOL_NAME_MODES

LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"]
TOOLSETS = (
    "core",
    "admin",
    "missions",
    "workflows",
    "executions",
)  # checked against the catalogue by a test; parsing stays import-light

DESCRIPTION = """A work ledger that AI agents keep over the Model Context Protocol (MCP).

Start here:
  worktrail demo                       see an agent's session on a throwaway ledger
  worktrail init --client claude-desktop   create your ledger and print the client config
  worktrail serve                      what an MCP client runs (stdio)"""


def _toolsets(text: str) -> list[str]:
    names = [x.strip() for x in text.split(",") if x.strip()]
    unknown = [n for n in names if n not in TOOLSETS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown toolset {', '.join(unknown) or '(none)'}; known: {', '.join(TOOLSETS)}"
        )
    return names


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


class _Commands:
    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self.common = argparse.ArgumentParser(add_help=False)
        # Also accepted after the command; SUPPRESS keeps the top-level value otherwise.
        self.common.add_argument("--log-level", default=argparse.SUPPRESS, choices=LEVELS, help="stderr log level")
        self.sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(self, name: str, summary: str, example: str, parent: Any = None) -> argparse.ArgumentParser:
        target = parent or self.sub
        return target.add_parser(
            name,
            help=summary,
            description=summary,
            epilog=f"example:\n  {example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
            parents=[self.common],
        )


def _with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("--db", metavar="PATH", help="the ledger file (default: $WORKTRAIL_DB, else the user data folder)")
    return p


def build() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="worktrail", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"worktrail {__version__}")
    parser.add_argument("--log-level", default="WARNING", choices=LEVELS, help="stderr log level (default WARNING)")
    c = _Commands(parser)

    serve = _with_db(c.add("serve", "Serve MCP over stdin/stdout for one client (what an MCP client runs).",
                           "WORKTRAIL_API_KEY=wtk_... worktrail serve --db ~/ledger.db"))  # fmt: skip
    serve.add_argument("--tool-names", choices=TOOL_NAME_MODES, default="auto",
                       help="dotted (ts.tsk.update), underscore (ts_tsk_update), or auto: underscores "
                       "except for clients known to take dots (default)")  # fmt: skip
    serve.add_argument("--toolsets", type=_toolsets, metavar="LIST",
                       help=f"comma-separated toolsets to serve: {', '.join(TOOLSETS)} (default: all)")  # fmt: skip
    serve.add_argument("--synchronous", choices=["NORMAL", "FULL"], default="NORMAL",
                       help="SQLite durability (FULL survives power loss at some speed cost)")  # fmt: skip
    serve.add_argument("--idempotency-ttl", type=_duration, default=timedelta(hours=24), metavar="DURATION",
                       help="how long a write's idempotency key is kept, e.g. 30m, 24h, 7d (default 24h)")  # fmt: skip
    serve.add_argument("--otel", action="store_true",
                       help="wrap every request in an OpenTelemetry span (the SDK's middleware; off by default)")  # fmt: skip
    serve.add_argument("--instance-ttl", type=_duration, default=timedelta(seconds=30), metavar="DURATION",
                       help="a serving process without a heartbeat for this long is gone (default 30s)")  # fmt: skip
    serve.add_argument("--sweep-every", type=_duration, default=timedelta(seconds=60), metavar="DURATION",
                       help="how often to sweep stale runs, after the sweep at start-up (default 60s)")  # fmt: skip
    serve.add_argument("--execution-stale-after", type=_duration, default=timedelta(minutes=2), metavar="DURATION",
                       help="a running execution of a gone process, quiet this long, is interrupted (default 2m)")  # fmt: skip
    serve.add_argument("--stale-after", type=_duration, default=timedelta(hours=1), metavar="DURATION",
                       help="a ritual, mission or workflow run quiet this long is failed (default 1h)")  # fmt: skip

    init = _with_db(c.add("init", "Create the ledger, its owner and the owner's first API key (printed once).",
                          "worktrail init --client claude-code"))  # fmt: skip
    init.add_argument("--json", action="store_true", help='print only {"db", "resource_id", "api_key"}')
    init.add_argument("--name", default="owner", help="the owner's name (default: owner)")
    init.add_argument("--client", choices=sorted(CLIENTS), help="print the configuration for this MCP client")

    call = _with_db(c.add("call", "Call one tool, logged in with $WORKTRAIL_API_KEY; prints the answer as JSON.",
                          "worktrail call ts.tsk.create '{\"title\": \"Write the docs\"}'"))  # fmt: skip
    call.add_argument("tool", help="tool name, e.g. ts.tsk.update (ts_tsk_update works too)")
    call.add_argument("arguments", nargs="?", help="a JSON object, @file, or - for standard input (default: {})")
    call.add_argument("--idempotency-key", metavar="KEY",
                      help="make the call safe to retry: the same KEY and arguments answer the first result; "
                      "auto derives the key from the tool and its arguments")  # fmt: skip

    key = c.add("key", "Create or revoke API keys from the command line, as whoever can write the ledger file.",
                "worktrail key create --owner")  # fmt: skip
    key_commands = key.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    create = _with_db(c.add("create", "Create an API key (the owner's unless --resource) and print it once.",
                            "worktrail key create --resource res_0123abcd... --name laptop", key_commands))  # fmt: skip
    whose = create.add_mutually_exclusive_group()
    whose.add_argument("--resource", metavar="ID", help="the resource the key logs in as")
    whose.add_argument("--owner", action="store_true", help="the ledger's owner (the default)")
    create.add_argument("--name", default="cli key", help="a label to tell keys apart (default: cli key)")
    create.add_argument("--json", action="store_true", help='print only {"id", "resource_id", "api_key"}')
    revoke = _with_db(c.add("revoke", "Revoke an API key: its sessions stop working on their next call.",
                            "worktrail key revoke key_0123abcd...", key_commands))  # fmt: skip
    revoke.add_argument("id", metavar="ID|KEY", help="the key's id (worktrail key list shows them), or the key itself")
    revoke.add_argument("--with-descendants", action="store_true",
                        help="also revoke every key minted through this one, and through those")  # fmt: skip

    backup = _with_db(c.add("backup", "Copy the ledger to a new file, safely, even while servers are writing.",
                            "worktrail backup ~/backups/worktrail-2026-11-25.db"))  # fmt: skip
    backup.add_argument("dest", metavar="DEST", help="the new file (it must not exist yet)")

    check = _with_db(c.add("check", "Check the ledger: integrity, schema version, counts (exit 1 when unsound).",
                           "worktrail check --db ~/ledger.db"))  # fmt: skip
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument("--repair", action="store_true",
                       help="rebuild what the check finds out of step (the task search index); without it, "
                       "check opens the ledger read-only and changes nothing")  # fmt: skip

    tools = c.add(
        "tools", "List the tools, or show one tool's description and input schema.", "worktrail tools ts.tsk.update"
    )
    tools.add_argument("name", nargs="?", help="one tool's name (dotted or underscore)")
    tools.add_argument("--json", action="store_true", help="print as JSON")

    schemas = c.add("schemas", "Write or check the committed tool schemas (for development and CI).",
                    "worktrail schemas --check tool_schemas")  # fmt: skip
    mode = schemas.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", metavar="DIR", help="write every tool's schema file into DIR")
    mode.add_argument("--check", metavar="DIR", help="fail if DIR differs from what the code generates")

    c.add("demo", "Walk through an agent's session on a temporary ledger, then tell you what to do next.",
          "worktrail demo")  # fmt: skip
    return parser
