"""The `worktrail` command line's words: every command, its options, what it does and an example."""

from __future__ import annotations

import argparse
from typing import Any

from worktrail import __version__
from worktrail.cli import option_values as value
from worktrail.cli.usage import OneLineParser
from worktrail.domain.durations import parse_duration
from worktrail.transport.tool_names import TOOL_NAME_MODES

LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"]
# What `worktrail export --kind` takes (checked against the store's list by a test).
EXPORT_KINDS = ("resources", "keys", "endeavours", "tasks", "relations", "rituals", "ritual_runs", "missions", "mission_runs",
                "plan_steps", "mission_events", "workflows", "workflow_runs", "attachments", "executions", "audit")  # fmt: skip
# Options whose value may look like a negative number (see joined_negative_values).
VALUED_OPTIONS = frozenset({"--idempotency-ttl", "--instance-ttl", "--sweep-every", "--execution-stale-after",
                            "--stale-after", "--drain", "--rate-limit", "--auth-fail-limit"})  # fmt: skip
TOOLSETS = (
    "core",
    "admin",
    "team",
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


def _client_names() -> set[str]:
    """The clients init prints a configuration for (each takes the key init makes); imported
    only by the commands that name them."""
    from worktrail.cli.clients import CLIENTS
    from worktrail.cli.remote_clients import REMOTE_CLIENTS

    return set(CLIENTS) | set(REMOTE_CLIENTS)


def _with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument(
        "--db", metavar="PATH|URL", type=value.ledger_place,
        help="the ledger: a file path, sqlite:///PATH or postgresql://USER@HOST/DBNAME "
        "(default: $WORKTRAIL_DB, else the user data folder)",
    )  # fmt: skip
    return p


def _serve_command(c: _Commands) -> None:
    serve = _with_db(c.add("serve", "Serve MCP over stdin/stdout for one client (what an MCP client runs), or "
                           "over streamable HTTP for many (--http).",
                           "WORKTRAIL_API_KEY=wtk_... worktrail serve --db ~/ledger.db"))  # fmt: skip
    serve.add_argument("--tool-names", choices=TOOL_NAME_MODES, default="auto",
                       help="dotted (ts.tsk.update), underscore (ts_tsk_update), or auto: underscores "
                       "except for clients known to take dots (default)")  # fmt: skip
    serve.add_argument("--toolsets", type=_toolsets, metavar="LIST",
                       help=f"comma-separated toolsets to serve: {', '.join(TOOLSETS)} (default: all)")  # fmt: skip
    serve.add_argument("--synchronous", choices=["NORMAL", "FULL"], default="NORMAL",
                       help="SQLite durability (FULL survives power loss at some speed cost)")  # fmt: skip
    serve.add_argument("--idempotency-ttl", type=value.duration, default=parse_duration("24h"), metavar="DURATION",
                       help="how long a write's idempotency key is kept, e.g. 30m, 24h, 7d (default 24h)")  # fmt: skip
    serve.add_argument("--otel", action="store_true",
                       help="wrap every request in an OpenTelemetry span (the SDK's middleware; off by default)")  # fmt: skip
    serve.add_argument("--instance-ttl", type=value.duration, default=parse_duration("30s"), metavar="DURATION",
                       help="a serving process without a heartbeat for this long is gone (default 30s)")  # fmt: skip
    serve.add_argument("--sweep-every", type=value.duration, default=parse_duration("60s"), metavar="DURATION",
                       help="how often to sweep stale runs and task leases that ran out, after the sweep at start-up (default 60s)")  # fmt: skip
    serve.add_argument("--execution-stale-after", type=value.duration, default=parse_duration("2m"), metavar="DURATION",
                       help="a running execution of a gone process, quiet this long, is interrupted (default 2m)")  # fmt: skip
    http = serve.add_argument_group("over HTTP (--http)")
    http.add_argument("--http", action="store_true",
                      help="serve MCP over streamable HTTP at /mcp, for any number of clients with bearer API keys")  # fmt: skip
    http.add_argument("--host", default="127.0.0.1", type=value.host, help="address to listen on (default 127.0.0.1, loopback only)")
    http.add_argument("--port", type=value.port_or_any, default=8765,
                      help="port to listen on (default 8765; 0: a free one, named in the line printed at start)")  # fmt: skip
    http.add_argument("--allowed-host", action="append", metavar="NAME", type=value.host,
                      help="a Host name clients reach this server by (repeat; needed beyond loopback; others get 421)")  # fmt: skip
    http.add_argument("--allowed-origin", action="append", metavar="ORIGIN", type=value.origin,
                      help="a browser Origin allowed to call, e.g. https://app.example.com (repeat; others get 403)")  # fmt: skip
    http.add_argument("--auth", choices=["keys", "oauth"], default="keys",
                      help="keys: API keys only, no OAuth discovery served (the default); oauth: also be an OAuth 2.1 "
                      "authorization server (sign-in and consent on the board), for assistants that cannot send a key "
                      "(claude.ai, ChatGPT)")  # fmt: skip
    http.add_argument("--public-url", metavar="URL", type=value.public_url,
                      help="the address clients reach this server by, e.g. https://ledger.example.com (behind a TLS "
                      "proxy it differs from --host/--port; the OAuth issuer). Needed for --auth oauth beyond loopback. Its host is "
                      "allowed as --allowed-host is; an https one without --tls-cert implies --behind-tls-proxy")  # fmt: skip
    http.add_argument("--client-metadata-allow-host", action="append", metavar="HOST[:PORT]", type=value.host_and_port,
                      help="with --auth oauth: a host whose client ID metadata documents may be fetched although it "
                      "resolves to a loopback, private or link-local address (repeat; an intranet's, a test's); "
                      "with :PORT, that port only")  # fmt: skip
    http.add_argument("--client-metadata-ca", metavar="FILE", type=value.certificate,
                      help="with --auth oauth: a PEM CA bundle trusted, beside the system's, for fetching client ID "
                      "metadata documents (an intranet's private CA)")  # fmt: skip
    http.add_argument("--registrations-per-hour", metavar="N", type=value.per_hour,
                      help="with --auth oauth: dynamic client registrations one address may make an hour (default "
                      "100; past it, 429). A hosted connector (claude.ai, ChatGPT) registers from its "
                      "service's addresses, once for each person who adds this server")  # fmt: skip
    http.add_argument("--tls-cert", metavar="FILE", type=value.certificate, help="serve HTTPS with this certificate (with --tls-key)")
    http.add_argument("--tls-key", metavar="FILE", type=value.private_key, help="the certificate's private key")
    http.add_argument("--behind-tls-proxy", action="store_true",
                      help="a proxy in front terminates TLS (no warning for a non-loopback --host without TLS)")  # fmt: skip
    http.add_argument("--max-body", type=value.size, default=16 * 1024 * 1024, metavar="SIZE",
                      help="largest request body, in bytes or with a unit (64KiB, 16MiB; default 16MiB): past it, 413")  # fmt: skip
    http.add_argument("--rate-limit", type=value.rate, metavar="N/s",
                      help="requests a key (or a board session) may make each second, e.g. 20/s (default: no limit): past it, 429")  # fmt: skip
    http.add_argument("--auth-fail-limit", type=value.per_minute, default=20, metavar="N/min",
                      help="failed authentications (refused keys, board logins) an address may make a minute "
                      "(default 20; 0 turns it off): past it, 429 for its keys and logins until the minute refills")  # fmt: skip
    http.add_argument("--drain", type=value.duration, default=parse_duration("10s"), metavar="DURATION",
                      help="on a stop signal, how long calls in flight may take to finish (default 10s)")  # fmt: skip
    http.add_argument("--log-format", choices=["text", "json"], default="text",
                      help="the access log on stderr: one line a request, as text or as JSON (default text)")  # fmt: skip
    serve.add_argument("--stale-after", type=value.duration, default=parse_duration("1h"), metavar="DURATION",
                       help="a ritual, mission or workflow run quiet this long is failed (default 1h)")  # fmt: skip
    http.add_argument("--board-session-ttl", type=value.duration, default=parse_duration("12h"), metavar="DURATION",
                      help="how long a browser stays logged in to the board at / (default 12h)")  # fmt: skip


def _board_command(c: _Commands) -> None:
    board = _with_db(c.add("board", "Serve the board (a live web view of the ledger) on this machine, and print a "
                           "one-time login address for the ledger's owner.", "worktrail board --open"))  # fmt: skip
    board.add_argument("--port", type=value.port, default=8766, help="port to listen on, on 127.0.0.1 (default 8766)")
    board.add_argument("--open", action="store_true", help="open the login address in the default browser")
    board.add_argument("--board-session-ttl", type=value.duration, default=parse_duration("12h"), metavar="DURATION",
                       help="how long a browser stays logged in (default 12h)")  # fmt: skip
    board.add_argument("--drain", type=value.duration, default=parse_duration("5s"), metavar="DURATION",
                       help="on a stop signal, how long requests in flight may take to finish (default 5s)")  # fmt: skip


def _link_command(c: _Commands) -> None:
    link = _with_db(c.add("link", "Print a one-time sign-in address for a person (the owner unless --resource) at a "
                          "board: it signs that browser in as them, once, within 15 minutes, without a key (opened, or pasted "
                          "into the board's login page, which then goes on where it was to go: an app's consent page).",
                          "worktrail link --resource res_0123abcd... --url https://ledger.example.com"))  # fmt: skip
    link.add_argument("--resource", metavar="ID", type=value.resource_id,
                      help="the person it signs in: an active human resource (default: the ledger's owner)")  # fmt: skip
    link.add_argument("--url", metavar="URL", type=value.board_url, default="http://127.0.0.1:8766",
                      help="the board's address, as the person's browser reaches it: worktrail board's "
                      "http://127.0.0.1:8766 (the default), or a serve --http server's --public-url")  # fmt: skip


def _init_command(c: _Commands) -> None:
    init = _with_db(c.add("init", "Create the ledger, its owner and the owner's first API key (printed once).",
                          "worktrail init --client claude-code"))  # fmt: skip
    init.add_argument("--json", action="store_true", help='print only {"db", "resource_id", "api_key"}')
    init.add_argument("--name", default="owner", type=value.text, help="the owner's name (default: owner)")
    init.add_argument("--client", choices=sorted(_client_names()), help="print the configuration for this MCP client")
    init.add_argument("--url", metavar="URL", type=value.mcp_url,
                      help="the client reaches a serve --http server at this /mcp URL (print that form instead)")  # fmt: skip


def _client_command(c: _Commands) -> None:
    client = _with_db(c.add("client", "Print a client's configuration for an existing ledger, over stdio or by --url; "
                            "for claude-ai and chatgpt, the steps that add a --auth oauth server as a connector.",
                            "worktrail client cursor --url http://ledger.example:8765/mcp --new-key"))  # fmt: skip
    from worktrail.cli.connectors import CONNECTORS  # assistants that take a server only as a connector

    names = sorted(_client_names() | set(CONNECTORS))
    client.add_argument("name", choices=names, metavar="NAME", help=f"the client: {', '.join(names)}")
    client.add_argument("--url", metavar="URL", type=value.client_url,
                        help="the /mcp URL of a serve --http server (default: stdio); claude-ai and chatgpt also take "
                             "its public address alone")  # fmt: skip
    which = client.add_mutually_exclusive_group()
    which.add_argument("--key", metavar="KEY", type=value.api_key, help="the API key the client sends (default: $WORKTRAIL_API_KEY)")
    which.add_argument("--new-key", action="store_true", help="make a new key of the owner's for this client")
    which.add_argument("--sign-in", action="store_true",
                       help="print the form without a key, in which the client signs in with OAuth itself (claude-code, "
                       "vscode, cursor, windsurf; a server with --auth oauth). Without any key or this, that form is "
                       "printed when --url's protected-resource metadata names an authorization server")  # fmt: skip


def _call_command(c: _Commands) -> None:
    call = _with_db(c.add("call", "Call one tool, logged in with $WORKTRAIL_API_KEY; prints the answer as JSON.",
                          "worktrail call ts.tsk.create '{\"title\": \"Write the docs\"}'"))  # fmt: skip
    call.add_argument("tool", help="tool name, e.g. ts.tsk.update (ts_tsk_update works too)")
    call.add_argument("arguments", nargs="?", help="a JSON object, @file, or - for standard input (default: {})")
    call.add_argument("--idempotency-key", metavar="KEY", type=value.text,
                      help="make the call safe to retry: the same KEY and arguments answer the first result; "
                      "auto derives the key from the tool and its arguments")  # fmt: skip


def _key_command(c: _Commands) -> None:
    key = c.add("key", "Create, list or revoke API keys from the command line, as whoever can write the ledger file.",
                "worktrail key create --owner")  # fmt: skip
    key_commands = key.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    create = _with_db(c.add("create", "Create an API key (the owner's unless --resource) and print it once.",
                            "worktrail key create --resource res_0123abcd... --name laptop", key_commands))  # fmt: skip
    whose = create.add_mutually_exclusive_group()
    whose.add_argument("--resource", metavar="ID", type=value.resource_id, help="the resource the key logs in as")
    whose.add_argument("--owner", action="store_true", help="the ledger's owner (the default)")
    create.add_argument("--name", default="cli key", type=value.text, help="a label to tell keys apart (default: cli key)")
    create.add_argument("--json", action="store_true", help='print only {"id", "resource_id", "api_key"}')
    revoke = _with_db(c.add("revoke", "Revoke an API key: its sessions stop working on their next call.",
                            "worktrail key revoke key_0123abcd...", key_commands))  # fmt: skip
    revoke.add_argument("id", metavar="ID|KEY", help="the key's id (worktrail key list shows them), or the key itself, "
                        "or an app's OAuth grant id (ogr_...)")
    revoke.add_argument("--with-descendants", action="store_true",
                        help="also revoke every key minted through this one, and through those")  # fmt: skip

    listing = _with_db(c.add("list", "List every API key: id, name, role, resource, created, last used, revoked.",
                             "worktrail key list --db ~/ledger.db", key_commands))  # fmt: skip
    listing.add_argument("--json", action="store_true", help="print one JSON object a key (never the key itself)")


def _backup_command(c: _Commands) -> None:
    backup = _with_db(c.add("backup", "Copy the ledger to a new file, safely, even while servers are writing.",
                            "worktrail backup ~/backups/worktrail-2026-11-25.db"))  # fmt: skip
    backup.add_argument("dest", metavar="DEST", help="the new file (it must not exist yet)")


def _check_command(c: _Commands) -> None:
    check = _with_db(c.add("check", "Check the ledger: integrity, schema version, counts (exit 1 when unsound).",
                           "worktrail check --db ~/ledger.db"))  # fmt: skip
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument("--repair", action="store_true",
                       help="rebuild what the check finds out of step (the task search index); without it, "
                       "check opens the ledger read-only and changes nothing")  # fmt: skip


def _migrate_command(c: _Commands) -> None:
    move = c.add("migrate", "Copy a whole ledger into a new, empty one (SQLite to PostgreSQL and back), then "
                 "compare every table's count and checksum.",
                 "worktrail migrate --from ~/ledger.db --to postgresql://ledger@db.internal/worktrail")  # fmt: skip
    move.add_argument("--from", dest="source", required=True, metavar="PATH|URL", type=value.ledger_place, help="the ledger to copy (read only)")
    move.add_argument("--to", dest="dest", required=True, metavar="PATH|URL", type=value.ledger_place,
                      help="the ledger to copy into: a new SQLite file, or an empty PostgreSQL database")  # fmt: skip
    move.add_argument("--instance-ttl", type=value.duration, default=parse_duration("30s"), metavar="DURATION",
                      help="a server with a heartbeat this recent is serving the source: refused (default 30s)")  # fmt: skip
    move.add_argument("--force", action="store_true",
                      help="copy even while servers write to the source (what they write after the copy is lost)")  # fmt: skip


def _export_command(c: _Commands) -> None:
    export = _with_db(c.add("export", "Write the ledger's data out as JSON lines or CSV on stdout, streamed.",
                             "worktrail export --kind tasks --format csv > tasks.csv"))  # fmt: skip
    export.add_argument("--kind", action="append", choices=EXPORT_KINDS, metavar="KIND",
                        help=f"only this kind (repeat for more; default: all): {', '.join(EXPORT_KINDS)}")  # fmt: skip
    export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl",
                        help='jsonl (default: one object a row, with "_kind") or csv (one --kind)')  # fmt: skip
    export.add_argument("--since", metavar="T", type=value.moment,
                        help="only rows changed (or, for audit, keys, events and attachments, made) at or after T, "
                        "an ISO 8601 date or date-time")  # fmt: skip


def _tools_command(c: _Commands) -> None:
    tools = c.add(
        "tools", "List the tools, or show one tool's description and input schema.", "worktrail tools ts.tsk.update"
    )
    tools.add_argument("name", nargs="?", help="one tool's name (dotted or underscore)")
    tools.add_argument("--json", action="store_true", help="print as JSON")
    tools.add_argument("--toolsets", type=_toolsets, metavar="LIST",
                       help="only these toolsets (and the login tools), with what their tool list costs a model")  # fmt: skip


def _schemas_command(c: _Commands) -> None:
    schemas = c.add("schemas", "Write or check the committed tool schemas (for development and CI).",
                    "worktrail schemas --check tool_schemas")  # fmt: skip
    mode = schemas.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", metavar="DIR", type=value.text, help="write every tool's schema file into DIR, and the copy the package ships")
    mode.add_argument("--check", metavar="DIR", type=value.text, help="fail if DIR or the shipped copy differs from what the code generates")


def _demo_command(c: _Commands) -> None:
    demo = c.add("demo", "Walk through an agent's session on a temporary ledger, then tell you what to do next.",
                 "worktrail demo --board")  # fmt: skip
    demo.add_argument("--db", metavar="PATH|URL", type=value.ledger_place,
                      help="walk through on this new, empty ledger instead (a PostgreSQL database, say), and keep it")  # fmt: skip
    demo.add_argument("--board", action="store_true",
                      help="then serve the board on the demo's ledger, with a one-time sign-in address, until Ctrl-C")  # fmt: skip
    demo.add_argument("--port", type=value.port, default=8766, help="the board's port, on 127.0.0.1 (default 8766)")


# Each command's options, in the order `worktrail --help` lists them.
COMMANDS = {
    "serve": _serve_command,
    "board": _board_command,
    "link": _link_command,
    "init": _init_command,
    "client": _client_command,
    "call": _call_command,
    "key": _key_command,
    "backup": _backup_command,
    "check": _check_command,
    "migrate": _migrate_command,
    "export": _export_command,
    "tools": _tools_command,
    "schemas": _schemas_command,
    "demo": _demo_command,
}


def build(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or with `only` a command's name, that command alone: what its
    arguments parse to is the same, and a start-up (`worktrail serve`) builds one command's
    options, not seventeen (see command_named)."""
    parser = OneLineParser(
        prog="worktrail", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"worktrail {__version__}")
    parser.add_argument("--log-level", default="WARNING", type=_level, choices=LEVELS,
                        help="stderr log level, any case (default WARNING)")  # fmt: skip
    c = _Commands(parser)

    for name, add in COMMANDS.items():
        if only is None or name == only:
            add(c)
    return parser


def command_named(argv: list[str]) -> str | None:
    """The command `argv` runs when it starts with one (`serve --db x`), for build(only=...);
    None for anything else (`--help`, a top-level option first, a name mistyped), which the
    whole parser answers."""
    return argv[0] if argv and argv[0] in COMMANDS else None
