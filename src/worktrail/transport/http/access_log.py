"""One access line per HTTP request on stderr: time, method (`tools/call`), tool, outcome (`ok`,
the error code, or the HTTP status), duration in ms, and the key's id (never the key).

The method, the tool and the path are the caller's text: in the text format every control
character, space and backslash in a field is written as an escape (`\\n`, `\\x00`, `\\x20`), so a
request is always one line, whatever it sends (the JSON format escapes them too).

The ASGI middleware opens a record for each request in its scope and writes the line when the
response is done; the server middleware, which sees the JSON-RPC method and the call's answer,
fills the record in through the same scope (`ctx.request`). `--log-format json` writes one JSON
object a line instead.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from mcp import MCPError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from worktrail.domain.clock import SystemClock, format_ts

log = logging.getLogger("worktrail.access")

RECORD = "worktrail.access"
# What a text field may not hold as itself: C0 and C1 controls, DEL, whitespace (the separator), and
# the backslash (so that an escape in the log is always one the log wrote).
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\\s]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def _escape(found: re.Match[str]) -> str:
    char = found.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 256 else f"\\u{ord(char):04x}")


def _escaped(value: object) -> str:
    """A field of the text line: `-` for none, else its text with every unsafe character escaped."""
    return "-" if value is None else _UNSAFE.sub(_escape, str(value))


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
            return
        fields = {k: _escaped(v) for k, v in line.items()}
        if not record.get("method"):  # the one space a field holds: between the HTTP method and the path
            fields["method"] = f"{_escaped(record['http_method'])} {_escaped(record['path'])}"
        fields["ms"] += "ms"
        log.info(" ".join(fields.values()))


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
