"""The `worktrail` command line: dispatch to one module per command, and one line, never a
traceback, for every way the ledger file or the machine can say no."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from importlib import import_module

from worktrail.cli import collector, early_stop
from worktrail.cli.log_lines import OneLineFormatter

# Each command's module and function, imported only when run (`worktrail tools` skips the SDK's start-up).
COMMANDS = {
    "serve": ("worktrail.cli.serve", "serve"),
    "init": ("worktrail.cli.initialise", "initialise"),
    "call": ("worktrail.cli.call", "call"),
    "key": ("worktrail.cli.keys", "keys"),
    "backup": ("worktrail.cli.maintenance", "backup"),
    "check": ("worktrail.cli.maintenance", "check"),
    "tools": ("worktrail.cli.catalog", "tools"),
    "schemas": ("worktrail.cli.catalog", "schemas"),
    "export": ("worktrail.cli.export", "export"),
    "migrate": ("worktrail.cli.migrate", "migrate"),
    "client": ("worktrail.cli.client", "client"),
    "demo": ("worktrail.cli.demo", "demo"),
    "board": ("worktrail.cli.board", "board"),
    "link": ("worktrail.cli.link", "link"),
}


def _command(name: str) -> Callable[[argparse.Namespace], Awaitable[int] | int]:
    module, function = COMMANDS[name]
    return getattr(import_module(module), function)  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # the process's own command: before the imports below, which take a while
        early_stop.install(sys.argv[1:])
    try:
        return _main(sys.argv[1:] if argv is None else argv)
    except BaseException as error:
        if early_stop.stopped_while_starting(error):
            sys.stderr.flush()
            return 0
        raise


def _main(argv: list[str]) -> int:
    import asyncio

    import anyio

    from worktrail.cli.failures import explain, innermost
    from worktrail.cli.parser import build, command_named, joined_negative_values

    parser = build(only=command_named(argv))  # `worktrail serve ...` builds serve's options alone
    args = parser.parse_args(joined_negative_values(argv))
    if args.command is None:  # bare `worktrail`: say what it can do
        parser.print_help()
        return 0
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))  # whatever a caller sent
    logging.basicConfig(level=args.log_level, handlers=[stderr])
    try:
        command = _command(args.command)
        if args.command != "serve":  # paused by worktrail.__main__; serve resumes it once it has
            collector.resume()  # frozen what start-up made (collector.py)
        result = command(args)
        if isinstance(result, int):
            return result

        async def run() -> int:
            early_stop.hold()
            try:
                return await result  # type: ignore[misc]
            except asyncio.CancelledError:
                if (stop := early_stop.stopped()) is not None:  # a stop signal while starting (early_stop.hold)
                    raise stop from None
                raise

        return anyio.run(run, backend="asyncio")
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `worktrail tools | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:  # noqa: BLE001 - the last word: one line, never a traceback
        said = explain(error, getattr(args, "db", None))
        if said is None:
            logging.getLogger(__name__).debug("unexpected failure", exc_info=True)
            leaf = innermost(error)
            said = f"unexpected {type(leaf).__name__}: {leaf} (run with --log-level DEBUG for the details)"
        print(f"worktrail {args.command}: {said}", file=sys.stderr)
        return 1
