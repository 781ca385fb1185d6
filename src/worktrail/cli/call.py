"""`worktrail call TOOL [JSON | @file | -]`: one scripted call through the same registry as MCP."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from worktrail.cli.ledger import ledger, login_from_env, open_store, registry_for
from worktrail.domain.errors import ToolError
from worktrail.tools.call_options import digest
from worktrail.tools.context import Session
from worktrail.tools.declaration import Tool
from worktrail.tools.registry import UnknownTool

NO_KEY = ToolError(
    "not_authenticated",
    "worktrail call logs in with the API key in WORKTRAIL_API_KEY, and it is not set. Set it to a key: "
    "`worktrail init` printed the owner's first one, and `worktrail key create` makes another "
    "(e.g. export WORKTRAIL_API_KEY=$(worktrail key create --json | jq -r .api_key)).",
)


class UsageError(Exception):
    """A mistake in the command line itself (exit code 2)."""


def read_arguments(source: str | None) -> dict[str, Any]:
    """The call's arguments from JSON text, `@file` or `-` (stdin); none means `{}`."""
    if source is None:
        return {}
    if source == "-":
        text, where = sys.stdin.read(), "standard input"
    elif source.startswith("@"):
        try:
            text, where = Path(source[1:]).read_text(encoding="utf-8"), source[1:]
        except OSError as error:
            raise UsageError(f"cannot read {source[1:]}: {error.strerror}") from None
    else:
        text, where = source, "the argument"
    try:
        value = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as error:
        raise UsageError(
            f"{where} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    if not isinstance(value, dict):
        raise UsageError(f'{where} must be a JSON object of arguments, like {{"id": "tsk_..."}}')
    return value


async def call(args: argparse.Namespace) -> int:
    try:
        arguments = read_arguments(args.arguments)
    except UsageError as error:
        print(f"worktrail call: {error}", file=sys.stderr)
        return 2
    async with open_store(ledger(args.db), access="readable") as store:
        registry = registry_for(store)
        try:
            spec = registry.find(args.tool)
            if args.idempotency_key is not None:
                arguments = with_key(spec, arguments, args.idempotency_key)
        except UnknownTool:
            print(f"worktrail call: unknown tool {args.tool!r}; `worktrail tools` lists them", file=sys.stderr)
            return 2
        except UsageError as error:
            print(f"worktrail call: {error}", file=sys.stderr)
            return 2
        session = Session()
        try:
            await login_from_env(store, session)
        except ToolError as refused:
            print(json.dumps(refused.envelope(), indent=2))
            return 1
        if session.actor is None and registry.find(args.tool).needs_login:
            print(json.dumps(NO_KEY.envelope(), indent=2))
            return 1
        outcome = await registry.call(args.tool, arguments, session)
    print(json.dumps(outcome.payload, indent=2, ensure_ascii=False))
    if outcome.replayed:
        print("worktrail call: the answer of an earlier call with this idempotency key; nothing was done again",
              file=sys.stderr)  # fmt: skip
    return 1 if outcome.is_error else 0


def with_key(spec: Tool, arguments: dict[str, Any], key: str) -> dict[str, Any]:
    """The arguments with `--idempotency-key` in them; `auto` derives the key from the tool and
    the arguments, so a script that runs the same call again gets the first answer."""
    if not spec.takes_idempotency_key:
        raise UsageError(f"{spec.name} takes no idempotency key")
    if "idempotency_key" in arguments:
        raise UsageError("the arguments carry an idempotency_key already; give it in one place")
    if key == "auto":
        key = f"auto-{spec.name}-{digest(arguments)[:32]}"
    return {**arguments, "idempotency_key": key}
