"""What `tools/list` costs a model, per toolset, measured on the wire through the SDK client:
characters of each listed tool's JSON (name, description, schemas, annotations) / 4 ~ tokens."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import connect
from worktrail.store.store import Store
from worktrail.tools.catalog import ALL_TOOLS, TOOLSETS, select

pytestmark = pytest.mark.anyio

# The budgets the README quotes: a model pays for every listed tool in its context.
CORE_BUDGET = 8_500  # issue 20: with ts.run.list
ALL_BUDGET = 30_000


async def listed_tokens(store: Store, tools: tuple[Any, ...], client_name: str) -> int:
    async with connect(store, tools=tools, client_name=client_name) as agent:
        listed = (await agent.client.list_tools()).tools
    wire = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in listed]
    return sum(len(json.dumps(t, separators=(",", ":"), ensure_ascii=False)) for t in wire) // 4


def test_every_tool_is_in_a_named_toolset() -> None:
    assert {t.toolset for t in ALL_TOOLS} == set(TOOLSETS)


@pytest.mark.parametrize("client_name", ["cursor", "mcp"])  # underscore and dotted names cost the same
async def test_core_tool_list_fits_its_budget(store: Store, client_name: str) -> None:
    tokens = await listed_tokens(store, select(["core"]), client_name)
    assert tokens <= CORE_BUDGET, f"core tools/list is ~{tokens} tokens, over {CORE_BUDGET}"


async def test_every_toolset_together_fits_the_budget(store: Store) -> None:
    tokens = await listed_tokens(store, ALL_TOOLS, "cursor")
    assert tokens <= ALL_BUDGET, f"the whole tools/list is ~{tokens} tokens, over {ALL_BUDGET}"
