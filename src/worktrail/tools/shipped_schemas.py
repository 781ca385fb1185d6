"""Every tool's published schemas, generated from its models once and shipped in the package, so
that a server's first `tools/list` reads them instead of building them (about 80 ms of a cold
start, issue 30). `worktrail schemas --write tool_schemas` writes this copy beside tool_schemas/;
tests/test_schemas.py fails when it differs from what the models generate."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from worktrail.tools.listing import Listed, replace_if_changed

if TYPE_CHECKING:
    from worktrail.tools.declaration import Tool

SHIPPED = Path(__file__).with_name("published_schemas.json")


@cache
def _shipped() -> dict[str, Any]:
    try:
        return json.loads(SHIPPED.read_text(encoding="utf-8"))
    except FileNotFoundError:  # a source tree before its first `worktrail schemas --write`
        return {}


def generated(tools: Iterable[Tool]) -> dict[str, dict[str, Any]]:
    """Each tool's input and output schema, built from its models."""
    from worktrail.tools.call_options import published_input_schema
    from worktrail.tools.schemas import output_schema

    return {t.name: {"inputSchema": published_input_schema(t), "outputSchema": output_schema(t.result)} for t in tools}


def render(tools: Iterable[Tool]) -> str:
    """The shipped file's exact text."""
    return json.dumps(generated(tools), ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def schemas_of(tool: Tool | Listed) -> tuple[dict[str, Any], dict[str, Any]]:
    """(input schema, output schema) as published: the shipped copy, else built from the models
    (do not mutate either)."""
    shipped = _shipped().get(tool.name)
    if shipped is None:
        declared = tool.declared() if isinstance(tool, Listed) else tool
        both = generated([declared])[declared.name]
        return both["inputSchema"], both["outputSchema"]
    return shipped["inputSchema"], shipped["outputSchema"]


def write(tools: Iterable[Tool]) -> bool:
    """Bring the shipped copy up to date with the models; False when it already was (a source tree
    is not touched then, and a server reading it meanwhile reads a whole file either way)."""
    return replace_if_changed(SHIPPED, render(tools))
