"""`worktrail client claude-ai|chatgpt --url URL`: the steps that add a `serve --http --auth oauth`
server to an assistant that runs in its vendor's cloud and takes a remote server only as a
connector that signs in with OAuth (no key, no header, no config file)."""

from __future__ import annotations

from dataclasses import dataclass
from textwrap import fill
from urllib.parse import urlsplit

from worktrail.domain.hosts import loopback_host

# Where each service sends the browser back after the consent page (shown there as the host it
# returns to). As found, 2026-12:
# - claude.ai: "Claude's OAuth callback URL is https://claude.ai/api/mcp/auth_callback ... This
#   callback URL may change to https://claude.com/api/mcp/auth_callback" (support.claude.com,
#   article 11503834, "Building custom connectors via remote MCP servers"; also
#   /work/shared/reference/oauth-clients.md).
# - ChatGPT: https://chatgpt.com/connector_platform_oauth_redirect (gitlab-org/gitlab#579061,
#   a ChatGPT connector's authorize request), and per connector https://chatgpt.com/connector/oauth/…
#   (makeplane/plane-mcp-server#165, "per-connector callback"; the other called "legacy").
CALLBACKS = {
    "claude-ai": ("https://claude.ai/api/mcp/auth_callback", "https://claude.com/api/mcp/auth_callback"),
    "chatgpt": ("https://chatgpt.com/connector_platform_oauth_redirect", "https://chatgpt.com/connector/oauth/…"),
}


@dataclass(frozen=True)
class Connector:
    """One service's way of adding a remote MCP server."""

    service: str
    where: str  # the settings page, step by step
    fields: str  # what to type there
    then: str  # how the person starts the sign-in, and where the tools appear after


CONNECTORS: dict[str, Connector] = {
    "claude-ai": Connector(
        "claude.ai",
        "At claude.ai: Settings > Connectors > Add custom connector (Team and Enterprise: an owner adds it "
        "first, in Organization settings > Connectors). Claude Desktop and Claude's mobile apps use the "
        "connectors added there; Claude Desktop does not connect to remote servers from its config file",
        "Name: worktrail. Remote MCP server URL: {url}. Leave the advanced OAuth Client ID and Client Secret "
        "empty: Claude registers itself",
        "Add, then Connect",
    ),
    "chatgpt": Connector(
        "ChatGPT",
        "At chatgpt.com: Settings > Apps (formerly Connectors) > Advanced settings, turn on Developer mode "
        "(Business, Enterprise and Edu: a workspace admin allows it first), then Create app",
        "Name: worktrail. MCP server URL: {url}. Authentication: OAuth (leave the client ID and secret empty: "
        "ChatGPT registers itself)",
        "Create; in a chat, choose + > Developer mode and turn worktrail on",
    ),
}


def steps(name: str, url: str) -> str:
    """The numbered steps for connector `name` (`url`: the server's /mcp, or its public address,
    to which /mcp is added); ValueError, in one line, for a URL it cannot reach."""
    connector = CONNECTORS[name]
    parts = urlsplit(url)
    if parts.path in ("", "/"):
        url = url.rstrip("/") + "/mcp"
    loopback = loopback_host(parts.hostname or "")
    if parts.scheme != "https" and not loopback:
        raise ValueError(
            f"--url {url}: {connector.service} reaches only public https:// addresses (it connects from its own "
            f"servers, not from your computer): put the server behind a TLS proxy and give its https:// /mcp URL"
        )
    callback, other = CALLBACKS[name]
    origin = f"{parts.scheme}://{parts.netloc}"
    lines = [] if not loopback else [
        f"Warning: {url} is a loopback address and {connector.service} cannot reach it: it connects from its "
        "own servers, never from your computer. The steps below are for trying them out; for real, give the "
        "server's public https:// address.",
        "",
    ]
    lines += [
        f"Add worktrail to {connector.service} as a connector (it signs in with OAuth: no API key is pasted).",
        "",
        f"1. The server must be reachable from the internet over https, from {connector.service}'s own servers "
        "(not only from your browser), and run with OAuth on:",
        f"     worktrail serve --http --auth oauth --public-url {origin} ...",
        "   (behind a TLS proxy: README, \"Connect claude.ai, Claude Desktop and ChatGPT\").",
        f"2. {connector.where}.",
        f"3. {connector.fields.format(url=url)}.",
        f"4. {connector.then}: your browser opens the board's sign-in (sign in with your API key or, "
        f"for a person without one, with the one-time address worktrail link --url {origin} prints), then its "
        f"consent page, which names the app, the host it returns to ({urlsplit(callback).hostname}) and the "
        "access asked, cut to your role. Check them, and Approve.",
        f"5. {connector.service} lists worktrail's tools. The grant is listed on the board's Keys page under "
        "Connected apps (and by worktrail key list); revoking it there, or with worktrail key revoke, ends the "
        "connection at the next call.",
        "",
        f"{connector.service} returns the browser to {callback} (or {other}).",
    ]
    return "\n".join(_wrapped(line) for line in lines)


def _wrapped(line: str) -> str:
    """A step in lines of 100 at most, its continuation indented under its text (URLs unbroken)."""
    indent = "   " if line[:1].isdigit() else ""
    return fill(line, 100, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)
