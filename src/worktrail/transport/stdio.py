"""Serve one client over stdin/stdout. Nothing but the protocol may reach stdout.

The SDK's stdio transport hands a line it cannot parse to the server as an exception, and
the server drops it: the client then waits for an answer that never comes. `_screen` sits
between the two and answers such a line as JSON-RPC says: -32700 for text that is not JSON,
-32600 for JSON that is not a JSON-RPC message (id null: it could not be read).
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
import mcp.types as types
from mcp.server import Server
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

log = logging.getLogger(__name__)


def _refusal(problem: Exception) -> SessionMessage:
    not_json = isinstance(problem, ValidationError) and any(e["type"] == "json_invalid" for e in problem.errors())
    code, what = (
        (types.PARSE_ERROR, "Parse error: the line is not valid JSON")
        if not_json
        else (types.INVALID_REQUEST, "Invalid Request: the line is not a JSON-RPC 2.0 message")
    )
    return SessionMessage(types.JSONRPCError(jsonrpc="2.0", id=None, error=types.ErrorData(code=code, message=what)))


async def _screen(wire_in: Any, to_server: Any, wire_out: Any) -> None:
    """Pass messages on to the server; answer the lines that are not messages."""
    async with to_server:
        async for item in wire_in:
            if isinstance(item, Exception):
                log.warning("refused an unreadable line from the client (%s)", type(item).__name__)
                await wire_out.send(_refusal(item))
            else:
                await to_server.send(item)


async def serve_stdio(server: Server[Any]) -> None:
    """Run until the client closes stdin."""
    async with stdio_server() as (wire_in, wire_out):
        to_server, from_wire = anyio.create_memory_object_stream[SessionMessage | Exception](0)
        async with anyio.create_task_group() as group:
            group.start_soon(_screen, wire_in, to_server, wire_out)
            await server.run(from_wire, wire_out, server.create_initialization_options())
