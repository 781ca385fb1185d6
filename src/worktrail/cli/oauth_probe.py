"""Whether a `serve --http` server signs clients in with OAuth (`--auth oauth`): asked of its
protected-resource metadata (RFC 9728), which such a server serves for /mcp and a `--auth keys`
server does not serve at all. `worktrail client NAME --url URL` asks it when given no key."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

TIMEOUT_SECONDS = 5.0
LARGEST = 64 * 1024


@dataclass(frozen=True)
class Probe:
    """What the metadata said: whether it names an authorization server (if not, why), and the
    resource it names (the address the server's tokens are bound to)."""

    signs_in: bool
    why_not: str = ""
    resource: str | None = None


def metadata_url(url: str) -> str:
    """The path-suffixed well-known address of /mcp's metadata (RFC 9728 section 3.1)."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, f"/.well-known/oauth-protected-resource{path}", "", ""))


def probe(url: str) -> Probe:
    """Ask the server at `url` (its /mcp URL) whether it names an authorization server."""
    asked = metadata_url(url)
    try:
        with urllib.request.urlopen(asked, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 - http(s) only, checked by --url
            body = answer.read(LARGEST + 1)
    except urllib.error.HTTPError as refused:
        if refused.code == 404:
            return Probe(False, f"{url} serves no OAuth sign-in (a serve --http --auth keys server)")
        return Probe(False, f"{asked} answered HTTP {refused.code}")
    except (urllib.error.URLError, OSError, ValueError) as failed:
        reason = getattr(failed, "reason", failed)
        return Probe(False, f"{asked} could not be read ({reason})")
    try:
        metadata = json.loads(body) if len(body) <= LARGEST else None
    except ValueError:
        metadata = None
    servers = metadata.get("authorization_servers") if isinstance(metadata, dict) else None
    if isinstance(servers, list) and servers and all(isinstance(s, str) for s in servers):
        resource = metadata.get("resource") if isinstance(metadata, dict) else None
        return Probe(True, resource=resource if isinstance(resource, str) else None)
    return Probe(False, f"{asked} names no authorization server")
