"""How each MCP client is told to reach a worktrail server by URL (`serve --http`), with the API
key as a bearer header: the form it reads, and where it lives."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Remote:
    """The server's /mcp URL and the key a client sends."""

    url: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


def claude_code(remote: Remote) -> str:
    words = ["claude", "mcp", "add", "--transport", "http", "--scope", "user", "worktrail", remote.url,
             "--header", f"Authorization: Bearer {remote.api_key}"]  # fmt: skip
    return f"Run:\n  {shlex.join(words)}"


def vscode(remote: Remote) -> str:
    entry = {"type": "http", "url": remote.url, "headers": remote.headers}
    return "Add to .vscode/mcp.json (or your user mcp.json):\n\n" + json.dumps(
        {"servers": {"worktrail": entry}}, indent=2
    )


def cursor(remote: Remote) -> str:
    entry = {"url": remote.url, "headers": remote.headers}
    return "Add to ~/.cursor/mcp.json (all projects) or .cursor/mcp.json (one project):\n\n" + json.dumps(
        {"mcpServers": {"worktrail": entry}}, indent=2
    )


def windsurf(remote: Remote) -> str:
    entry = {"serverUrl": remote.url, "headers": remote.headers}
    return "Add to ~/.codeium/windsurf/mcp_config.json:\n\n" + json.dumps(
        {"mcpServers": {"worktrail": entry}}, indent=2
    )


def zed(remote: Remote) -> str:
    entry = {"url": remote.url, "headers": remote.headers}
    return "Add to Zed's settings.json:\n\n" + json.dumps({"context_servers": {"worktrail": entry}}, indent=2)


def inspector(remote: Remote) -> str:
    words = ["npx", "@modelcontextprotocol/inspector", "--cli", remote.url, "--transport", "http",
             "--header", f"Authorization: Bearer {remote.api_key}", "--method", "tools/list"]  # fmt: skip
    return f"List the tools with MCP Inspector's CLI:\n  {shlex.join(words)}"


def generic(remote: Remote) -> str:
    entry = {"type": "http", "url": remote.url, "headers": remote.headers}
    return "MCP client configuration for a server reached by URL:\n\n" + json.dumps(
        {"mcpServers": {"worktrail": entry}}, indent=2
    )


def _stdio_only(name: str, command: str) -> Callable[[Remote], str]:
    def refuse(remote: Remote) -> str:
        raise ValueError(
            f"{name} reaches remote servers only through connectors that sign in with OAuth, which API keys "
            f"are not; run worktrail on that machine over stdio instead: worktrail client {command} (without --url)"
        )

    return refuse


REMOTE_CLIENTS: dict[str, Callable[[Remote], str]] = {
    "claude-code": claude_code,
    "vscode": vscode,
    "cursor": cursor,
    "windsurf": windsurf,
    "zed": zed,
    "inspector": inspector,
    "generic": generic,
    "claude-desktop": _stdio_only("Claude Desktop", "claude-desktop"),
}
