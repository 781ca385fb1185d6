"""Every role against every write tool, compared with the table in the README: the table is the
contract, the registry's declarations must match it, and a real call must be refused by role
exactly where the table says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Agent, as_role
from worktrail.domain.deletions import DELETIONS
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
    if "const" in schema:
        return schema["const"]
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


def _readme_deletes() -> dict[str, str]:
    """Delete tool -> what refuses it while unfinished, from the README's table of deletes."""
    text = README.read_text()
    table = text[text.index("| delete tool |") :].split("\n\n", 1)[0]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table.splitlines()[2:]]
    return {re.findall(r"`([a-z_.]+)`", tool)[0]: refused for tool, _, refused in rows}


def test_every_delete_tool_has_the_one_rule_and_a_row_in_the_readme() -> None:
    tools = {t.name for t in WRITE_TOOLS if t.name.endswith(".delete")}
    assert set(DELETIONS) == tools == set(_readme_deletes())
    for name, refused in _readme_deletes().items():
        assert all(status in refused for status in DELETIONS[name].unfinished), name


async def _deletable(agent: Agent, tool: str, workflow_id: str) -> dict[str, Any]:
    """Arguments of `tool` for an entity `agent` creates now, ended where it must be."""
    if tool == "ts.msn.delete":
        return {"mission_id": (await agent.ok("ts.msn.create", {"name": "m"}))["data"]["mission_id"]}
    if tool == "ts.rel.delete":
        a, b = [(await agent.ok("ts.tsk.create", {"title": t}))["id"] for t in ("a", "b")]
        ends = {"source_entity_type": "task", "target_entity_type": "task", "source_entity_id": a, "target_entity_id": b}
        return {"id": (await agent.ok("ts.rel.create", {"relationship_type": "depends_on", **ends}))["id"]}
    if tool == "ts.wfl.delete":
        return {"id": (await agent.ok("ts.wfl.create", {"name": "w", "main_prompt": "p"}))["id"]}
    run = (await agent.ok("ts.wrn.create", {"workflow_id": workflow_id}))["id"]
    if tool == "ts.wrn.delete":
        await agent.ok("ts.wrn.update", {"id": run, "status": "cancelled"})
        return {"id": run}
    assert tool == "ts.att.delete", f"a new delete tool: make one of its entities here ({tool})"
    file = {"run_id": run, "filename": "f.txt", "kind": "input", "content_base64": "aGk="}
    return {"id": (await agent.ok("ts.att.create", file))["id"]}


@pytest.mark.parametrize("tool", sorted(DELETIONS))
async def test_a_delete_needs_an_owner_an_admin_or_the_entitys_creator(owner: Agent, store: Store, tool: str) -> None:
    workflow_id = (await owner.ok("ts.wfl.create", {"name": "for runs", "main_prompt": "p"}))["id"]
    async with as_role(owner, store, "member") as (member, _), as_role(owner, store, "admin") as (admin, _):
        theirs = await _deletable(owner, tool, workflow_id)
        refused = await member.err(tool, theirs)
        assert refused["code"] == "forbidden" and "creator" in refused["message"], refused
        assert "required_role" not in (refused.get("details") or {}), "the entity refuses it, not the role"
        is_error, answer = await member.call(tool, await _deletable(member, tool, workflow_id))
        assert not is_error, answer
        is_error, answer = await admin.call(tool, theirs)
        assert not is_error, answer
