"""Build the MCP server: `tools/list` and `tools/call` answered from the registry."""

from __future__ import annotations

import json
from typing import Any

import mcp.types as types
from mcp import MCPError
from mcp.server import Server, ServerRequestContext

from worktrail import __version__
from worktrail.tools.context import Session
from worktrail.tools.registry import Registry, UnknownTool
from worktrail.tools.schemas import input_schema, output_schema
from worktrail.transport.tool_names import ToolNames, style_for

INSTRUCTIONS = (
    "worktrail is a work ledger. Log in with ts.auth.login {api_key} unless the server was started "
    "with WORKTRAIL_API_KEY. Refused calls answer with isError and {error: {code, message, details}}: "
    "details name the field to fix, or the current status and the allowed next statuses."
)


def _client_name(ctx: ServerRequestContext[Any]) -> str | None:
    params = ctx.session.client_params
    return params.client_info.name if params is not None and params.client_info is not None else None


def build_server(registry: Registry, session: Session, tool_names: ToolNames = "auto") -> Server[Any]:
    """A low-level SDK server for one client, whose login lives in `session`."""
    listings: dict[str, list[types.Tool]] = {
        style: [
            types.Tool(
                name=t.name if style == "dotted" else t.underscore_name,
                description=t.doc,
                input_schema=input_schema(t.params),
                output_schema=output_schema(t.result),
            )
            for t in registry.tools
        ]
        for style in ("dotted", "underscore")
    }

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=listings[style_for(tool_names, _client_name(ctx))])

    async def call_tool(ctx: ServerRequestContext[Any], params: types.CallToolRequestParams) -> types.CallToolResult:
        try:
            outcome = await registry.call(params.name, params.arguments, session)
        except UnknownTool:
            raise MCPError(
                code=types.INVALID_PARAMS, message=f"Unknown tool: {params.name}. Call tools/list for the tools."
            ) from None
        text = json.dumps(outcome.payload, ensure_ascii=False)
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=text)],
            structured_content=outcome.payload,
            is_error=outcome.is_error,
        )

    return Server(
        "worktrail",
        version=__version__,
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )
