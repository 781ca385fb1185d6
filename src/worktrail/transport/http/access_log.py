"""One access line per HTTP request on stderr: time, method (`tools/call`), tool, outcome (`ok`,
the error code, or the HTTP status), duration in ms, and the key's id (never the key).

The ASGI middleware opens a record for each request in its scope and writes the line when the
response is done; the server middleware, which sees the JSON-RPC method and the call's answer,
fills the record in through the same scope (`ctx.request`). `--log-format json` writes one JSON
object a line instead.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from mcp import MCPError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from worktrail.domain.clock import SystemClock, format_ts

log = logging.getLogger("worktrail.access")

RECORD = "worktrail.access"


def _record_of(request: Any) -> dict[str, Any] | None:
    scope = getattr(request, "scope", None)
    return scope.get(RECORD) if isinstance(scope, dict) else None


class AccessLog:
    """The ASGI side: a record per request, written as one line when the response is complete."""

    def __init__(self, app: ASGIApp, as_json: bool = False) -> None:
        self.app = app
        self.as_json = as_json

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        record: dict[str, Any] = {"path": scope["path"], "http_method": scope["method"]}
        scope[RECORD] = record
        started = time.perf_counter()

        async def noting(message: Message) -> None:
            if message["type"] == "http.response.start":
                record["status"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting)
        finally:
            user = scope.get("user")
            token = getattr(user, "access_token", None)
            record["key_id"] = getattr(token, "client_id", None)
            record["ms"] = round((time.perf_counter() - started) * 1000, 1)
            self._write(record)

    def _write(self, record: dict[str, Any]) -> None:
        status = record.get("status", 500)
        outcome = record.get("outcome") or ("ok" if status < 400 else str(status))
        line = {
            "time": format_ts(SystemClock().now()),
            "method": record.get("method") or f"{record['http_method']} {record['path']}",
            "tool": record.get("tool"),
            "outcome": outcome,
            "status": status,
            "ms": record["ms"],
            "key_id": record["key_id"],
        }
        if self.as_json:
            log.info(json.dumps(line))
        else:
            log.info(" ".join(str(line[k]) if line[k] is not None else "-" for k in line))


class NoteCalls:
    """The server side (a `Server.middleware`): the JSON-RPC method, the tool and its outcome."""

    async def __call__(self, ctx: Any, call_next: Any) -> Any:
        record = _record_of(ctx.request)
        if record is None:
            return await call_next(ctx)
        record["method"] = ctx.method
        name = ctx.params.get("name") if ctx.params else None
        if ctx.method == "tools/call" and isinstance(name, str):
            record["tool"] = name
        try:
            result = await call_next(ctx)
        except MCPError as error:
            record["outcome"] = f"rpc:{error.error.code}"
            raise
        answer = result if isinstance(result, dict) else getattr(result, "__dict__", {})
        if answer.get("is_error") or answer.get("isError"):
            content = answer.get("structured_content") or answer.get("structuredContent") or {}
            record["outcome"] = (content.get("error") or {}).get("code", "error")
        return result
