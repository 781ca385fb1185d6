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
# What `worktrail export --kind` takes (checked against the store's list by a test).
EXPORT_KINDS = ("resources", "keys", "endeavours", "tasks", "rituals", "ritual_runs", "missions", "mission_runs",
                "plan_steps", "mission_events", "workflows", "workflow_runs", "attachments", "executions", "audit")  # fmt: skip
# Options whose value may look like a negative number (see joined_negative_values).
VALUED_OPTIONS = frozenset({"--idempotency-ttl", "--instance-ttl", "--sweep-every", "--execution-stale-after",
                            "--stale-after", "--drain", "--rate-limit"})  # fmt: skip
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
    if not names:
        raise argparse.ArgumentTypeError(f"name at least one toolset, comma-separated: {', '.join(TOOLSETS)}")
    unknown = [n for n in names if n not in TOOLSETS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown toolset {', '.join(unknown)}; known: {', '.join(TOOLSETS)}")
    return names


def _level(text: str) -> str:
    """A log level in any case (`debug`, `Debug`, `DEBUG`)."""
    return text.upper()


def joined_negative_values(argv: list[str]) -> list[str]:
    """`--stale-after -5m` as `--stale-after=-5m`: argparse takes a value that starts with a dash
    for an option and says "expected one argument"; joined, the value's own rule answers."""
    out: list[str] = []
    for token in argv:
        if out and out[-1] in VALUED_OPTIONS and token[:1] == "-" and token[1:2].isdigit():
            out[-1] = f"{out[-1]}={token}"
        else:
            out.append(token)
    return out


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


class _Commands:
    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self.common = argparse.ArgumentParser(add_help=False)
        # Also accepted after the command; SUPPRESS keeps the top-level value otherwise.
        self.common.add_argument("--log-level", default=argparse.SUPPRESS, type=_level, choices=LEVELS,
                                 help="stderr log level (any case)")  # fmt: skip
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
    parser.add_argument("--log-level", default="WARNING", type=_level, choices=LEVELS,
                        help="stderr log level, any case (default WARNING)")  # fmt: skip
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
    serve.add_argument("--idempotency-ttl", type=_duration, default=parse_duration("24h"), metavar="DURATION",
                       help="how long a write's idempotency key is kept, e.g. 30m, 24h, 7d (default 24h)")  # fmt: skip
    serve.add_argument("--otel", action="store_true",
                       help="wrap every request in an OpenTelemetry span (the SDK's middleware; off by default)")  # fmt: skip
    serve.add_argument("--instance-ttl", type=_duration, default=parse_duration("30s"), metavar="DURATION",
                       help="a serving process without a heartbeat for this long is gone (default 30s)")  # fmt: skip
    serve.add_argument("--sweep-every", type=_duration, default=parse_duration("60s"), metavar="DURATION",
                       help="how often to sweep stale runs, after the sweep at start-up (default 60s)")  # fmt: skip
    serve.add_argument("--execution-stale-after", type=_duration, default=parse_duration("2m"), metavar="DURATION",
                       help="a running execution of a gone process, quiet this long, is interrupted (default 2m)")  # fmt: skip
    serve.add_argument("--stale-after", type=_duration, default=parse_duration("1h"), metavar="DURATION",
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

    key = c.add("key", "Create, list or revoke API keys from the command line, as whoever can write the ledger file.",
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

    listing = _with_db(c.add("list", "List every API key: id, name, role, resource, created, last used, revoked.",
                             "worktrail key list --db ~/ledger.db", key_commands))  # fmt: skip
    listing.add_argument("--json", action="store_true", help="print one JSON object a key (never the key itself)")

    backup = _with_db(c.add("backup", "Copy the ledger to a new file, safely, even while servers are writing.",
                            "worktrail backup ~/backups/worktrail-2026-11-25.db"))  # fmt: skip
    backup.add_argument("dest", metavar="DEST", help="the new file (it must not exist yet)")

    check = _with_db(c.add("check", "Check the ledger: integrity, schema version, counts (exit 1 when unsound).",
                           "worktrail check --db ~/ledger.db"))  # fmt: skip
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument("--repair", action="store_true",
                       help="rebuild what the check finds out of step (the task search index); without it, "
                       "check opens the ledger read-only and changes nothing")  # fmt: skip

    export = _with_db(c.add("export", "Write the ledger's data out as JSON lines or CSV on stdout, streamed.",
                             "worktrail export --kind tasks --format csv > tasks.csv"))  # fmt: skip
    export.add_argument("--kind", action="append", choices=EXPORT_KINDS, metavar="KIND",
                        help=f"only this kind (repeat for more; default: all): {', '.join(EXPORT_KINDS)}")  # fmt: skip
    export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl",
                        help='jsonl (default: one object a row, with "_kind") or csv (one --kind)')  # fmt: skip
    export.add_argument("--since", metavar="T",
                        help="only rows changed (or, for audit, keys, events and attachments, made) at or after T, "
                        "an ISO 8601 date or date-time")  # fmt: skip

    tools = c.add(
        "tools", "List the tools, or show one tool's description and input schema.", "worktrail tools ts.tsk.update"
    )
    tools.add_argument("name", nargs="?", help="one tool's name (dotted or underscore)")
    tools.add_argument("--json", action="store_true", help="print as JSON")
    tools.add_argument("--toolsets", type=_toolsets, metavar="LIST",
                       help="only these toolsets (and the login tools), with what their tool list costs a model")  # fmt: skip

    schemas = c.add("schemas", "Write or check the committed tool schemas (for development and CI).",
                    "worktrail schemas --check tool_schemas")  # fmt: skip
    mode = schemas.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", metavar="DIR", help="write every tool's schema file into DIR")
    mode.add_argument("--check", metavar="DIR", help="fail if DIR differs from what the code generates")

    c.add("demo", "Walk through an agent's session on a temporary ledger, then tell you what to do next.",
          "worktrail demo")  # fmt: skip
    return parser
