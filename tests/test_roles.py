"""Every role against every write tool, compared with the table in the README: the table is the
contract, the registry's declarations must match it, and a real call must be refused by role
exactly where the table says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import Agent, as_role
from worktrail.domain.roles import at_least
from worktrail.store.store import Store
from worktrail.tools.catalog import ALL_TOOLS

pytestmark = pytest.mark.anyio

README = Path(__file__).resolve().parents[1] / "README.md"
ROLES = ("viewer", "member", "admin", "owner")
WRITE_TOOLS = [t for t in ALL_TOOLS if not t.read_only]


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


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_is_refused_exactly_the_write_tools_above_it(owner: Agent, store: Store, role: str) -> None:
    needed = _readme_table()

    async def refused_by_role(agent: Agent, name: str) -> bool:
        is_error, payload = await agent.call(name, {})
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
