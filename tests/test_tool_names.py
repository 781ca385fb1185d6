"""Tool names: underscores for every client but the few verified to take dots, and everything the
server says (instructions, descriptions, errors, hints) in the names that client was given."""

from __future__ import annotations

import re
import sys

import pytest
from mcp import Client, StdioServerParameters
from mcp.types import Implementation

from tests.conftest import connect
from worktrail.store.store import Store
from worktrail.tools.catalog import ALL_TOOLS
from worktrail.tools.context import Session
from worktrail.tools.registry import Registry
from worktrail.transport.server import build_server
from worktrail.transport.tool_names import NameStyler, style_for

pytestmark = pytest.mark.anyio

SAFE_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
DOTTED = re.compile(r"\bts\.[a-z]+\.[a-z_]+\b")


@pytest.mark.parametrize(
    ("client_name", "published"),
    [("claude-ai", "ts_tsk_update"), ("Cursor", "ts_tsk_update"), ("codex-mcp-client", "ts_tsk_update"),
     ("fastmcp", "ts_tsk_update"), ("some-new-client", "ts_tsk_update"),
     ("mcp", "ts.tsk.update"), ("inspector-cli", "ts.tsk.update"), ("MCP-Inspector", "ts.tsk.update")],
)  # fmt: skip
async def test_auto_publishes_dots_only_to_clients_known_to_take_them(
    store: Store, owner_key: str, mode: str, client_name: str, published: str
) -> None:
    async with connect(store, owner_key, mode=mode, client_name=client_name) as agent:
        names = {t.name for t in (await agent.client.list_tools()).tools}
        assert published in names and len(names) == len(ALL_TOOLS)


def test_style_is_fixed_unless_auto_and_an_unnamed_client_gets_underscores() -> None:
    assert style_for("dotted", "claude-ai") == "dotted"
    assert style_for("underscore", "mcp") == "underscore"
    assert style_for("auto", None) == "underscore"
    assert style_for("auto", " mcp ") == "dotted"


async def test_either_name_form_reaches_the_tool_whatever_was_published(store: Store, owner_key: str) -> None:
    for tool_names in ("dotted", "underscore"):
        async with connect(store, owner_key, tool_names=tool_names) as agent:
            names = {t.name for t in (await agent.client.list_tools()).tools}
            assert all(SAFE_NAME.fullmatch(n) for n in names) == (tool_names == "underscore")
            created = await agent.ok("ts_tsk_create", {"title": "by underscore"})
            assert (await agent.ok("ts.tsk.get", {"id": created["id"]}))["title"] == "by underscore"


async def test_descriptions_and_instructions_name_tools_as_they_were_published(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key, client_name="cursor") as agent:
        listed = (await agent.client.list_tools()).tools
        assert not [t.name for t in listed if DOTTED.search(t.description or "")]
        logout = next(t for t in listed if t.name == "ts_auth_logout")
        assert "ts_key_revoke" in (logout.description or "")
    async with connect(store, owner_key, tool_names="underscore") as agent:
        assert "ts_auth_login" in (agent.client.instructions or "")
    async with connect(store, owner_key, client_name="mcp") as agent:
        assert "ts.auth.login" in (agent.client.instructions or "")


async def test_errors_and_hints_name_tools_as_they_were_published(store: Store, owner_key: str) -> None:
    async with connect(store, client_name="cursor") as anonymous:
        refused = await anonymous.err("ts_tsk_list")
        assert refused["code"] == "not_authenticated" and "Call ts_auth_login first" in refused["message"]
    async with connect(store, owner_key, client_name="cursor") as agent:
        ritual = await agent.ok("ts_rtl_create", {"name": "n", "prompt": "p"})
        hint = (await agent.err("ts_rtl_update", {"id": ritual["id"], "prompt": "new"}))["details"][0]["hint"]
        assert "ts_rtl_create" in hint and not DOTTED.search(hint)
    async with connect(store, client_name="mcp") as anonymous:
        assert "Call ts.auth.login first" in (await anonymous.err("ts.tsk.list"))["message"]


async def test_results_are_data_and_keep_their_tool_names(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key, client_name="cursor") as agent:
        task = await agent.ok("ts_tsk_create", {"title": "t"})
        records = await agent.ok("ts_aud_list", {"entity_id": task["id"]})
        assert records["records"][0]["tool"] == "ts.tsk.create"  # the audit trail's canonical name


def test_the_styler_leaves_unknown_dotted_words_alone() -> None:
    styler = NameStyler(["ts.tsk.update"])
    assert styler.text("use ts.tsk.update, not ts.foo.bar", "underscore") == "use ts_tsk_update, not ts.foo.bar"
    assert styler.value({"k.x": ["ts.tsk.update"]}, "underscore") == {"k.x": ["ts_tsk_update"]}


@pytest.mark.processes
@pytest.mark.parametrize("client_mode", ["auto", "legacy"])
@pytest.mark.parametrize(("client_name", "login"), [("cursor", "ts_auth_login"), ("mcp", "ts.auth.login")])
async def test_stdio_instructions_follow_the_client_in_both_eras(
    ledger: str, owner_key: str, client_mode: str, client_name: str, login: str
) -> None:
    params = StdioServerParameters(command=sys.executable, args=["-m", "worktrail", "serve", "--db", str(ledger)])
    info = Implementation(name=client_name, version="1")
    async with Client(params, mode=client_mode, client_info=info) as client:  # type: ignore[arg-type]
        assert login in (client.instructions or "")
        names = {t.name for t in (await client.list_tools()).tools}
        assert login in names


async def test_the_sdks_opentelemetry_middleware_runs_only_when_asked_for(store: Store) -> None:
    registry = Registry(ALL_TOOLS, store)
    names = [type(m).__name__ for m in build_server(registry, Session()).middleware]
    assert "OpenTelemetryMiddleware" not in names
    assert "OpenTelemetryMiddleware" in [
        type(m).__name__ for m in build_server(registry, Session(), otel=True).middleware
    ]
