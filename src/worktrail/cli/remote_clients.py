"""How each MCP client is told to reach a worktrail server by URL (`serve --http`): the form it
reads, and where it lives. With an API key, the key goes in a bearer header; without one (a server
with `--auth oauth`), the clients that sign in by themselves get the same form with no header, and
sign in with OAuth on first use (SIGNS_IN says which, and how each one starts it)."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from textwrap import fill


@dataclass(frozen=True)
class Remote:
    """The server's /mcp URL and the key a client sends (None: the client signs in with OAuth)."""

    url: str
    api_key: str | None

    @property
    def header_entry(self) -> dict[str, dict[str, str]]:
        """The entry's `headers`, or nothing at all when the client signs in by itself."""
        return {"headers": {"Authorization": f"Bearer {self.api_key}"}} if self.api_key else {}


# The clients that sign in by themselves when a server answers its protected-resource metadata,
# and how each starts it. Their remote forms without a header, from their own documentation:
# Claude Code `claude mcp add --transport http NAME URL`, then /mcp in a session ("Authenticate",
# code.claude.com/docs/en/mcp); VS Code `"type": "http"` with `url` (mcp-configuration reference);
# Cursor `url` ("Needs login" under Tools & MCP, cursor.com/docs/mcp); Windsurf `serverUrl`.
SIGNS_IN = {
    "claude-code": "in a Claude Code session run /mcp, choose worktrail, then Authenticate",
    "vscode": "VS Code asks to sign in when it starts the server (or choose Auth above it in mcp.json)",
    "cursor": "Cursor Settings, Tools & MCP, shows worktrail as Needs login: click it",
    "windsurf": "Windsurf opens the sign-in when it first connects (refresh its MCP servers after saving)",
}


def _signs_in(name: str, remote: Remote, text: str) -> str:
    if remote.api_key:
        return text
    note = (
        f"This client signs in with OAuth on first use: {SIGNS_IN[name]}. Your browser opens the board's sign-in, "
        "then its consent page: check the app and the access asked, and Approve. The grant is listed on the "
        "board's Keys page, where you can revoke it."
    )
    return f"{text}\n\n{fill(note, 100)}"


def claude_code(remote: Remote) -> str:
    words = ["claude", "mcp", "add", "--transport", "http", "--scope", "user", "worktrail", remote.url]
    if remote.api_key:
        words += ["--header", f"Authorization: Bearer {remote.api_key}"]
    return _signs_in("claude-code", remote, f"Run:\n  {shlex.join(words)}")


def vscode(remote: Remote) -> str:
    entry = {"type": "http", "url": remote.url, **remote.header_entry}
    return _signs_in("vscode", remote, "Add to .vscode/mcp.json (or your user mcp.json):\n\n" + json.dumps(
        {"servers": {"worktrail": entry}}, indent=2
    ))  # fmt: skip


def cursor(remote: Remote) -> str:
    entry = {"url": remote.url, **remote.header_entry}
    place = "Add to ~/.cursor/mcp.json (all projects) or .cursor/mcp.json (one project):\n\n"
    return _signs_in("cursor", remote, place + json.dumps({"mcpServers": {"worktrail": entry}}, indent=2))


def windsurf(remote: Remote) -> str:
    entry = {"serverUrl": remote.url, **remote.header_entry}
    place = "Add to ~/.codeium/windsurf/mcp_config.json:\n\n"
    return _signs_in("windsurf", remote, place + json.dumps({"mcpServers": {"worktrail": entry}}, indent=2))


def zed(remote: Remote) -> str:
    entry = {"url": remote.url, **remote.header_entry}
    return "Add to Zed's settings.json:\n\n" + json.dumps({"context_servers": {"worktrail": entry}}, indent=2)


def inspector(remote: Remote) -> str:
    words = ["npx", "@modelcontextprotocol/inspector", "--cli", remote.url, "--transport", "http",
             "--header", f"Authorization: Bearer {remote.api_key}", "--method", "tools/list"]  # fmt: skip
    return f"List the tools with MCP Inspector's CLI:\n  {shlex.join(words)}"


def generic(remote: Remote) -> str:
    entry = {"type": "http", "url": remote.url, **remote.header_entry}
    return "MCP client configuration for a server reached by URL:\n\n" + json.dumps(
        {"mcpServers": {"worktrail": entry}}, indent=2
    )


def _stdio_only(name: str, command: str, service: str, connector: str) -> Callable[[Remote], str]:
    def refuse(remote: Remote) -> str:
        raise ValueError(
            f"{name} reaches remote servers only through connectors that sign in with OAuth, which API keys "
            f"are not; run worktrail on that machine over stdio instead: worktrail client {command} (without --url), "
            f"or add a server with --auth oauth as a connector at {service}: worktrail client {connector} --url URL"
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
    "claude-desktop": _stdio_only("Claude Desktop", "claude-desktop", "claude.ai", "claude-ai"),
}
