"""The registry and its MCP binding: errors, names, content, in both protocol eras."""

from __future__ import annotations

import json
import logging

import pytest
from mcp import MCPError
from pydantic import BaseModel

from tests.conftest import connect
from worktrail.store.store import Store
from worktrail.tools.catalog import ALL_TOOLS, select
from worktrail.tools.context import Call
from worktrail.tools.declaration import tool
from worktrail.tools.params import NoParams

pytestmark = pytest.mark.anyio


class Nothing(BaseModel):
    pass


@tool("ts.test.explode", params=NoParams, result=Nothing, toolset="core", needs_login=False, summary="Fails.")
async def explode(call: Call, p: NoParams) -> Nothing:
    raise RuntimeError("secret internal detail /home/db.sqlite")


async def test_an_unexpected_exception_is_internal_error_with_a_logged_correlation_id(
    store: Store, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with connect(store, mode=mode, tools=(*ALL_TOOLS, explode)) as agent:
        with caplog.at_level(logging.ERROR):
            error = await agent.err("ts.test.explode")
        assert error["code"] == "internal_error" and "secret" not in json.dumps(error)
        correlation = error["details"]["correlation_id"]
        assert correlation in error["message"] and correlation in caplog.text
        await agent.err("ts.tsk.list")  # the server is still serving


async def test_unknown_tool_is_a_json_rpc_invalid_params_error(store: Store, mode: str) -> None:
    async with connect(store, mode=mode) as agent:
        with pytest.raises(MCPError) as raised:
            await agent.client.call_tool("ts.nope.update", {})
        assert raised.value.error.code == -32602 and "ts.nope.update" in raised.value.error.message


async def test_text_content_is_the_same_json_as_structured_content(store: Store, owner_key: str, mode: str) -> None:
    async with connect(store, owner_key, mode=mode) as agent:
        for tool_name, args in (("ts.tsk.create", {"title": "t"}), ("ts.tsk.get", {"id": "tsk_missing"})):
            result = await agent.client.call_tool(tool_name, args)
            assert json.loads(result.content[0].text) == result.structured_content


async def test_wrong_argument_types_are_refused_never_coerced(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key) as agent:
        error = await agent.err("ts.tsk.create", {"title": 42})
        assert error["details"] == [{"loc": ["title"], "msg": "must be a string", "type": "string_type"}]
        assert "42" not in json.dumps(error)


async def test_an_unknown_key_is_named_with_the_accepted_fields(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key) as agent:
        error = await agent.err("ts.tsk.update", {"id": "tsk_x", "state": "active"})
        assert error["details"][0]["loc"] == ["state"] and error["details"][0]["type"] == "extra_forbidden"
        assert "status" in error["details"][0]["hint"] and "state" in error["message"]


async def test_secrets_in_bad_input_are_never_echoed(store: Store) -> None:
    async with connect(store) as agent:
        error = await agent.err("ts.auth.login", {"api_key": "wtk_secret_value", "extra": "also secret"})
        assert "secret" not in json.dumps(error)


ADMIN_TOOLS = {"ts.key.create", "ts.key.list", "ts.key.revoke", "ts.res.create", "ts.res.update", "ts.aud.list",
               "ts.run.stale", "ts.run.sweep", "ts.name.list"}  # fmt: skip


def test_toolsets_select_their_tools_and_refuse_unknown_names() -> None:
    core = [t.name for t in select(["core"])]
    assert core == [t.name for t in ALL_TOOLS if t.name not in ADMIN_TOOLS and t.toolset == "core"]
    assert {t.name for t in select(["missions"])} - set(core) == {t.name for t in ALL_TOOLS if t.toolset == "missions"}
    assert select(["core", "admin", "team", "missions", "workflows", "executions"]) == ALL_TOOLS == select(None)
    with pytest.raises(ValueError, match="unknown toolset"):
        select(["nope"])


def test_the_login_tools_are_served_with_every_toolset() -> None:
    assert {t.name for t in select(["admin"])} == {"ts.auth.login", "ts.auth.whoami", "ts.auth.logout", *ADMIN_TOOLS}
