"""What the registry takes for every write, from the tool's declaration, before its handler sees
the arguments: `idempotency_key` (a retry has its effect once) and `expected_version` (a write
conditional on the version the caller read). Handlers never see either."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationError

from worktrail.domain import fields
from worktrail.domain.errors import ToolError, invalid_field
from worktrail.tools.declaration import Tool
from worktrail.tools.params import Params
from worktrail.tools.plain_errors import plain_details, summary
from worktrail.tools.schemas import input_schema

IDEMPOTENCY_KEY = "idempotency_key"
EXPECTED_VERSION = "expected_version"


def _printable(value: str) -> str:
    if not value.isprintable():
        raise ValueError("must be printable characters (no control characters such as newlines or tabs)")
    return value


class Options(Params):
    idempotency_key: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_printable)] = Field(
        None,
        description="Retry key: a repeat answers the first result, once.",
    )
    expected_version: int = Field(
        None, ge=1, le=fields.INTEGER_MAX, description="Only if still at this version (else conflict)."
    )


@dataclass(frozen=True)
class CallOptions:
    """The options one call sent."""

    idempotency_key: str | None = None
    expected_version: int | None = None


def option_names(tool: Tool) -> tuple[str, ...]:
    """The options this tool takes."""
    names = (IDEMPOTENCY_KEY,) if tool.takes_idempotency_key else ()
    return names + ((EXPECTED_VERSION,) if tool.versioned else ())


@cache
def published_input_schema(tool: Tool) -> dict[str, Any]:
    """The tool's input schema as clients see it: its params and the options it takes."""
    schema = input_schema(tool.params)
    names = option_names(tool)
    if not names:
        return schema
    options = input_schema(Options)["properties"]
    return {**schema, "properties": {**schema["properties"], **{n: options[n] for n in names}}}


def _not_taken(tool: Tool, name: str) -> ToolError:
    if name == EXPECTED_VERSION:
        why = "it changes no existing entity; expected_version belongs to updates"
    elif tool.read_only:
        why = "it only reads, so retrying it is already safe"
    else:
        why = "its answer must not be replayed (a new key or a secret is shown once; a login or a sweep is done afresh)"
    return invalid_field(name, f"is not taken by {tool.name}: {why}", "Leave it out.")


def split(tool: Tool, arguments: dict[str, Any]) -> tuple[dict[str, Any], CallOptions]:
    """The handler's arguments, and the options taken out of them (checked: `invalid_input`)."""
    names = option_names(tool)
    for name in (IDEMPOTENCY_KEY, EXPECTED_VERSION):
        if name in arguments and name not in names:
            raise _not_taken(tool, name)
    sent = {n: arguments[n] for n in names if n in arguments}
    if not sent:
        return arguments, CallOptions()
    try:
        options = Options.model_validate_json(json.dumps(sent))
    except ValidationError as error:
        details = plain_details(error, tool.name, input_schema(Options))
        raise ToolError("invalid_input", f"Invalid arguments for {tool.name}: {summary(details)}", details) from None
    rest = {k: v for k, v in arguments.items() if k not in sent}
    return rest, CallOptions(options.idempotency_key, options.expected_version)


# Arguments whose values are secrets: the digest keeps only their aliases (see `digest`).
SECRET_ARGUMENTS = frozenset({"sensitive_input_values"})


def _canonical_value(name: str, value: Any) -> Any:
    if name in SECRET_ARGUMENTS and isinstance(value, dict):
        return sorted(value)
    return value


def digest(arguments: dict[str, Any]) -> str:
    """The request a key stands for: its arguments as canonical JSON (key order does not matter),
    the key itself left out. A secret's value is left out too, its alias kept: the digest is kept
    for the key's lifetime, long after the secret is erased, and a plain hash of it would let
    anyone with the file confirm a guessed secret. So a repeat that differs only in a secret's
    value counts as the same request."""
    canonical = {k: _canonical_value(k, v) for k, v in arguments.items() if k != IDEMPOTENCY_KEY}
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
