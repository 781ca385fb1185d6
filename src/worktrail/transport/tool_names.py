"""Tool names every client accepts.

Claude Desktop and claude.ai (and Windsurf, GitHub Copilot CLI) refuse a whole server when one
tool name does not match ^[a-zA-Z0-9_-]{1,64}$. Our names are dotted by design, so a server can
publish `ts_tsk_update` instead; whatever was published, a call by either form reaches the tool.
"""

from __future__ import annotations

from typing import Literal

ToolNames = Literal["dotted", "underscore", "auto"]
TOOL_NAME_MODES: tuple[str, ...] = ("dotted", "underscore", "auto")

# Lower-case fragments of clientInfo.name of hosts known to refuse dots.
STRICT_CLIENTS = ("claude-ai", "claude desktop", "claude-desktop", "claude.ai", "windsurf", "codeium", "copilot")


def style_for(mode: ToolNames, client_name: str | None) -> Literal["dotted", "underscore"]:
    """Which names to publish to this client."""
    if mode != "auto":
        return mode
    name = (client_name or "").lower()
    return "underscore" if any(fragment in name for fragment in STRICT_CLIENTS) else "dotted"
