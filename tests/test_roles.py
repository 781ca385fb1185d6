"""Every role against every write tool, compared with the table in the README: the table is the
contract, the registry's declarations must match it, and a real call must be refused by role
exactly where the table says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Agent, as_role
from worktrail.domain.errors import ToolError
from worktrail.domain.roles import at_least
from worktrail.store.store import Store
from worktrail.tools.call_options import published_input_schema
from worktrail.tools.catalog import ALL_TOOLS
from worktrail.tools.declaration import Tool
from worktrail.tools.validation import validate

pytestmark = pytest.mark.anyio

README = Path(__file__).resolve().parents[1] / "README.md"
ROLES = ("viewer", "member", "admin", "owner")
WRITE_TOOLS = [t for t in ALL_TOOLS if not t.read_only]
BY_NAME = {t.name: t for t in WRITE_TOOLS}


def _readme_table() -> dict[str, str]:
    """Tool name -> the role it needs ("none" for no login), from the README's table."""
    text = README.read_text()
    table = text[text.index("| role needed | write tools |") :].split("\n\n", 1)[0]
    needed = {}
    for line in table.splitlines()[2:]:
        role, tools = (cell.strip() for cell in line.strip("|").split("|"))
        for name in re.findall(r"`([a-z_.]+)`", tools):
            needed[name] = role.split(" ")[0]
    return needed


def test_the_readme_table_lists_every_write_tool_with_its_declared_role() -> None:
    declared = {t.name: (t.min_role if t.needs_login else "none") for t in WRITE_TOOLS}
    assert _readme_table() == declared


def _example(schema: dict[str, Any]) -> Any:
    """A value the schema takes: its required fields only, the first of an enum, the least number."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {k: _example(v) for k, v in schema.get("properties", {}).items() if k in schema.get("required", [])}
    if kind == "array":
        return [_example(schema["items"]) for _ in range(max(1, schema.get("minItems", 1)))]
    return {"string": "x", "integer": max(schema.get("minimum", 1), 1), "number": 1, "boolean": False}[kind]


def _valid_arguments(tool: Tool) -> dict[str, Any]:
    """Arguments that pass the tool's validation (roles are checked after the arguments): an
    update that wants something to change gets one field as well."""
    schema = published_input_schema(tool)
    arguments = _example({**schema, "type": "object"})
    try:
        validate(tool.name, tool.params, arguments)
    except ToolError as refused:
        assert refused.details[0]["msg"] == "no fields to update", refused.details
        field = "metadata" if "metadata" in schema["properties"] else refused.details[0]["fields"][0]
        arguments[field] = {} if field == "metadata" else _example(schema["properties"][field])
    return arguments


def test_the_arguments_the_walk_sends_pass_validation() -> None:
    for tool in WRITE_TOOLS:
        validate(tool.name, tool.params, _valid_arguments(tool))  # raises invalid_input if not


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_is_refused_exactly_the_write_tools_above_it(owner: Agent, store: Store, role: str) -> None:
    needed = _readme_table()

    async def refused_by_role(agent: Agent, name: str) -> bool:
        is_error, payload = await agent.call(name, _valid_arguments(BY_NAME[name]))
        error = payload.get("error", {}) if is_error else {}
        return error.get("code") == "forbidden" and "required_role" in (error.get("details") or {})

    async def walk(agent: Agent) -> dict[str, bool]:
        # ts.auth.logout last: it ends the session the others run in.
        names = sorted((t.name for t in WRITE_TOOLS if t.needs_login), key=lambda n: n == "ts.auth.logout")
        return {name: await refused_by_role(agent, name) for name in names}

    if role == "owner":
        seen = await walk(owner)
    else:
        async with as_role(owner, store, role) as (agent, _):
            seen = await walk(agent)
    expected = {name: not at_least(role, needed[name]) for name in seen}
    assert seen == expected
    assert any(seen.values()) == (role != "owner" and role != "admin")
