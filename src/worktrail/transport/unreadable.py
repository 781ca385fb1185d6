"""Lines the SDK cannot take as a JSON-RPC message, answered so the client does not wait.

The SDK's parser refuses some valid JSON: nesting deeper than its limit (about 200 levels) and a
lone surrogate escape (`"\\ud800"`); it refuses JSON-RPC of the wrong shape (`"params": [1]`); and
it lets through an `id` that is neither a string nor a number, which the server then never
answers. Like every JSON parser, it also keeps the last of a key sent twice in one object
(`"name": "ts.auth.whoami", "name": "ts.key.create"` would run the second): `screen` finds both,
for stdio and HTTP alike, and such a request is refused (-32600), naming the key.

Whenever the request's own id can be read, the answer carries it (a client matches answers by
id, and one answered with `id: null` waits for its own timeout). A `tools/call` whose arguments
the parser refused is answered as a tool error, `invalid_input`, like any other bad argument;
anything else as JSON-RPC says: -32700 for text that is not JSON, -32600 for JSON that is not a
request we can take.
"""

from __future__ import annotations

import json
import re
from typing import Any

import mcp.types as types
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

from worktrail.domain.errors import ToolError

# Strings (whose brackets do not count) and brackets: all the scan needs to know a value's depth.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]]', re.DOTALL)
_KEY_FOLLOWS = re.compile(r"\s*:\s*")


class Unreadable(ValueError):
    """A line the SDK's parser refused, with the line itself (to read the id from)."""

    def __init__(self, line: bytes, problem: Exception) -> None:
        super().__init__(str(problem))
        self.line = line
        self.problem = problem


def valid_id(value: Any) -> bool:
    """Whether JSON-RPC allows this as a request id (a string or a number; not a bool)."""
    return isinstance(value, str) or (isinstance(value, int | float) and not isinstance(value, bool))


def _top_level(text: str) -> dict[str, Any]:
    """The `id` and `method` of a JSON object too deep for `json.loads`, read by scanning for the
    object's own keys (a string at depth 1 followed by a colon) and decoding their scalar values."""
    found: dict[str, Any] = {}
    if not text.lstrip().startswith("{"):
        return found
    depth = 0
    decoder = json.JSONDecoder()
    for token in _TOKENS.finditer(text):
        first = token.group()[0]
        if first in "{[":
            depth += 1
        elif first in "}]":
            depth -= 1
        elif depth == 1:
            colon = _KEY_FOLLOWS.match(text, token.end())
            key = token.group()[1:-1]
            if (
                colon
                and key in ("id", "method")
                and key not in found
                and text[colon.end() : colon.end() + 1] not in "{["
            ):
                try:
                    found[key] = decoder.raw_decode(text, colon.end())[0]
                except ValueError:
                    pass
        if len(found) == 2:
            break
    return found


def _read(line: bytes) -> tuple[str, dict[str, Any]]:
    """How the line fails ("not_json", "too_deep", "not_object", "text", "shape") and its top-level fields."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return "not_json", {}
    try:
        message = json.loads(text)
    except RecursionError:
        return "too_deep", _top_level(text)
    except ValueError:
        return "not_json", {}
    return ("parsed", message) if isinstance(message, dict) else ("not_object", {})


def _kind(read_as: str, problem: Exception) -> str:
    if read_as != "parsed":
        return read_as
    if isinstance(problem, BadId):
        return "bad_id"
    if isinstance(problem, DuplicateKey):
        return "duplicate"
    if isinstance(problem, NotAnObject):
        return "not_object"
    if isinstance(problem, ValidationError):
        for error in problem.errors(include_url=False, include_context=False, include_input=False):
            if error["type"] == "json_invalid":
                return "too_deep" if "recursion limit" in error["msg"] else "text"
    return "shape"


_WHY = {
    "too_deep": "its JSON nests deeper than the 200 levels the server reads",
    "text": "its JSON holds text that is not valid Unicode (a lone surrogate escape such as \\ud800)",
    "shape": "it is not a JSON-RPC 2.0 request of the shape the method takes",
    "bad_id": "its id must be a string or a number",
    "duplicate": 'the key "{key}" appears twice in one object: send each key once',
    "not_object": "a message is one JSON object (a batch, an array of requests, is not taken): send each alone",
}


def _tool_error(request_id: Any, why: str) -> SessionMessage:
    refused = ToolError(
        "invalid_input",
        f"The arguments could not be read: {why}. Send them as plain JSON objects, nested less deeply.",
        [{"loc": ["arguments"], "msg": why, "type": "value_error"}],
    ).envelope()
    result = types.CallToolResult(
        content=[types.TextContent(type="text", text=json.dumps(refused))], structured_content=refused, is_error=True
    )
    answer = types.JSONRPCResponse(
        jsonrpc="2.0", id=request_id, result=result.model_dump(by_alias=True, exclude_none=True)
    )
    return SessionMessage(answer)


def _error(request_id: Any, code: int, message: str) -> SessionMessage:
    return SessionMessage(
        types.JSONRPCError(jsonrpc="2.0", id=request_id, error=types.ErrorData(code=code, message=message))
    )


def refusal(problem: Exception) -> SessionMessage:
    """The answer to a line the parser refused (`Unreadable` carries the line; without it, as
    from the SDK's own transport, the id cannot be read and is null)."""
    read_as, fields = _read(problem.line) if isinstance(problem, Unreadable) else ("", {})
    cause = problem.problem if isinstance(problem, Unreadable) else problem
    if not read_as:
        not_json = isinstance(cause, ValidationError) and any(e["type"] == "json_invalid" for e in cause.errors())
        read_as = "not_json" if not_json else "parsed"
    kind = _kind(read_as, cause)
    if kind == "not_json":
        return _error(None, types.PARSE_ERROR, "Parse error: the line is not valid JSON")
    request_id = fields.get("id") if _id_taken(fields.get("id")) else None  # 1.5 cannot be echoed: null
    if isinstance(cause, DuplicateKey) and cause.key == "id":  # which of the two ids is its own cannot be told
        request_id = None
    if request_id is not None and fields.get("method") == "tools/call" and kind in ("too_deep", "text"):
        return _tool_error(request_id, _WHY[kind])
    why = _WHY[kind].format(key=cause.key[:100] if isinstance(cause, DuplicateKey) else "")
    return _error(request_id, types.INVALID_REQUEST, f"Invalid Request: {why}")


class BadId(ValueError):
    """A request whose id is neither a string nor a number: the parser takes it for a notification."""


class NotAnObject(ValueError):
    """JSON that is not an object: a batch (which MCP no longer has), a number, a string."""


class DuplicateKey(ValueError):
    """A key sent twice in one JSON object (a parser would keep the last without a word)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _once_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return found


def _id_taken(value: Any) -> bool:
    """Whether the SDK takes this as a request id (a string, or a number without a fraction)."""
    return valid_id(value) and not (isinstance(value, float) and not value.is_integer())


def screen(line: bytes | str) -> Unreadable | None:
    """A message the parser took but must not be served as it read it: a key twice in one object,
    or a request whose `id` is not one (an object, a bool, null, 1.5: the parser would take it for
    a notification, which gets no answer). None when the message may go on."""
    return screen_and_read(line)[0]


def screen_and_read(line: bytes | str) -> tuple[Unreadable | None, dict[str, Any] | None]:
    """`screen`'s answer, and the message as it read it when it may go on (None: not read), so
    that what looks at a request before the SDK (the HTTP scope check) reads it only here."""
    try:
        fields = json.loads(line, object_pairs_hook=_once_each)
    except DuplicateKey as twice:
        return Unreadable(line if isinstance(line, bytes) else line.encode(), twice), None
    except (ValueError, RecursionError):  # what the parser took and json does not, the parser answers for
        return None, None
    if not isinstance(fields, dict):
        return Unreadable(line if isinstance(line, bytes) else line.encode(), NotAnObject()), None
    if "id" in fields and "method" in fields and not _id_taken(fields["id"]):
        return Unreadable(line if isinstance(line, bytes) else line.encode(), BadId()), None
    return None, fields
