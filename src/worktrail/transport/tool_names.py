"""Tool names every client accepts, and text that speaks of the names a client was given.

Many hosts refuse a tool name that does not match ^[a-zA-Z0-9_-]{1,64}$: Claude Desktop and
claude.ai withhold the whole server, Cursor, Codex and OpenAI-backed agents get a 400 from the
model API. So `auto` publishes `ts_tsk_update` to every client, and the canonical dotted names
only to clients verified to take them. Whatever was published, a call by either form reaches the
tool; but a client validates calls against the names it was listed, so everything the server
says (instructions, descriptions, error messages and hints) uses the published form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Literal

ToolNames = Literal["dotted", "underscore", "auto"]
Style = Literal["dotted", "underscore"]
TOOL_NAME_MODES: tuple[str, ...] = ("dotted", "underscore", "auto")

# clientInfo.name of clients verified to list and call dotted names: the Python SDK's default,
# MCP Inspector's CLI (0.15 and 2.x) and its web UI. Compared exactly, case-insensitively.
DOTTED_CLIENTS = frozenset({"mcp", "inspector-cli", "mcp-inspector"})

_DOTTED_NAME = re.compile(r"\bts\.[a-z]+\.[a-z_]+\b")


def style_for(mode: ToolNames, client_name: str | None) -> Style:
    """Which names to publish to this client."""
    if mode != "auto":
        return mode
    return "dotted" if (client_name or "").strip().lower() in DOTTED_CLIENTS else "underscore"


class NameStyler:
    """Rewrites the dotted tool names in a text (or in the strings of a JSON value) to a style."""

    def __init__(self, dotted_names: Iterable[str]) -> None:
        self._known = frozenset(dotted_names)

    def _underscore(self, match: re.Match[str]) -> str:
        name = match.group(0)
        return name.replace(".", "_") if name in self._known else name

    def text(self, text: str, style: Style) -> str:
        """`text` with each known tool name in `style`."""
        return text if style == "dotted" else _DOTTED_NAME.sub(self._underscore, text)

    def value(self, value: Any, style: Style) -> Any:
        """A JSON value with every string in it passed through `text` (keys stay as they are)."""
        if style == "dotted":
            return value
        if isinstance(value, str):
            return self.text(value, style)
        if isinstance(value, list):
            return [self.value(v, style) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v, style) for k, v in value.items()}
        return value
