"""The baseline: one empty tool on the official SDK's low-level server, over stdio.

Whatever this costs per call is the floor any MCP server on this SDK pays (JSON-RPC framing,
the SDK's session and validation); worktrail's figures are quoted as ratios against it.
"""

from __future__ import annotations

import anyio
import mcp.types as types
from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server

ECHO = types.Tool(name="echo", description="Answers with nothing.", input_schema={"type": "object", "properties": {}})


async def list_tools(ctx: ServerRequestContext, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
    return types.ListToolsResult(tools=[ECHO])


async def call_tool(ctx: ServerRequestContext, params: types.CallToolRequestParams) -> types.CallToolResult:
    return types.CallToolResult(content=[])


server = Server("echo", version="1.0", on_list_tools=list_tools, on_call_tool=call_tool)


async def main() -> None:
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


if __name__ == "__main__":
    anyio.run(main)
