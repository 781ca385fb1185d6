"""How each MCP client is told to start `worktrail serve`: the form it reads, and where it lives."""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Launch:
    """The command line that starts the server, with the key it logs in with."""

    command: str
    args: list[str]
    api_key: str

    @classmethod
    def for_ledger(cls, db: str, api_key: str) -> Launch:
        # This very Python, by absolute path: desktop clients start servers without the user's PATH.
        return cls(sys.executable, ["-m", "worktrail", "serve", "--db", db], api_key)

    def entry(self) -> dict[str, object]:
        return {"command": self.command, "args": self.args, "env": {"WORKTRAIL_API_KEY": self.api_key}}


def _mcp_servers(launch: Launch) -> str:
    return json.dumps({"mcpServers": {"worktrail": launch.entry()}}, indent=2)


def claude_desktop(launch: Launch) -> str:
    return (
        "Add to claude_desktop_config.json, then restart Claude Desktop:\n"
        "  macOS:   ~/Library/Application Support/Claude/claude_desktop_config.json\n"
        "  Windows: %APPDATA%\\Claude\\claude_desktop_config.json\n"
        "  Linux:   ~/.config/Claude/claude_desktop_config.json\n\n" + _mcp_servers(launch)
    )


def claude_code(launch: Launch) -> str:
    words = ["claude", "mcp", "add", "--transport", "stdio", "--scope", "user",
             "--env", f"WORKTRAIL_API_KEY={launch.api_key}", "worktrail"]  # fmt: skip
    command = shlex.join([*words, "--", launch.command, *launch.args])
    # The project file is shared through git: it names the key by variable, which Claude Code expands.
    shared = Launch(launch.command, launch.args, "${WORKTRAIL_API_KEY}")
    return (
        f"Run:\n  {command}\n\n"
        "or share it with a project in .mcp.json at the project's root; it names the key by variable, so the "
        "file may go in git;\nset the variable in the shell that starts Claude Code:\n\n"
        f"  export WORKTRAIL_API_KEY={shlex.quote(launch.api_key)}\n\n" + _mcp_servers(shared)
    )


def vscode(launch: Launch) -> str:
    entry = {"type": "stdio", **launch.entry()}
    return "Add to .vscode/mcp.json (or your user mcp.json):\n\n" + json.dumps(
        {"servers": {"worktrail": entry}}, indent=2
    )


def cursor(launch: Launch) -> str:
    return "Add to ~/.cursor/mcp.json (all projects) or .cursor/mcp.json (one project):\n\n" + _mcp_servers(launch)


def windsurf(launch: Launch) -> str:
    return "Add to ~/.codeium/windsurf/mcp_config.json:\n\n" + _mcp_servers(launch)


def zed(launch: Launch) -> str:
    entry = {"source": "custom", **launch.entry()}
    return "Add to Zed's settings.json:\n\n" + json.dumps({"context_servers": {"worktrail": entry}}, indent=2)


CLIENTS: dict[str, Callable[[Launch], str]] = {
    "claude-desktop": claude_desktop,
    "claude-code": claude_code,
    "vscode": vscode,
    "cursor": cursor,
    "windsurf": windsurf,
    "zed": zed,
    "generic": lambda launch: (
        "MCP client configuration (the mcpServers form most clients read):\n\n" + _mcp_servers(launch)
    ),
}
