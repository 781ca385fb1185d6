"""The Host header, read strictly: a name or an IP literal and an optional numeric port, nothing
else. Compared only once parsed, so that `localhost:80@evil.com`, `localhost:evil` or
`[::1]evil.com` never pass for a name they merely start with (the SDK's own check compares
prefixes). `/mcp` and the board both ask `host_allowed`."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

# A DNS name or an IPv4 address: letters, digits, hyphens, underscores, dots; then a port of digits.
_NAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?")
_PORT = re.compile(r"[0-9]{1,5}")
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


def parse_host(value: str) -> tuple[str, int | None] | None:
    """(name, port or None) of a Host header, or None when it is not one (the name of an IPv6
    literal keeps its brackets, as clients send it)."""
    if value.startswith("["):
        end = value.find("]")
        literal, rest = value[: end + 1], value[end + 1 :]
        try:
            ipaddress.IPv6Address(literal[1:-1])
        except ValueError:
            return None
        name = literal
    else:
        name, colon, port = value.partition(":")
        rest = colon + port
        if not _NAME.fullmatch(name):
            return None
    if not rest:
        return name, None
    if rest[0] != ":" or not _PORT.fullmatch(rest[1:]) or int(rest[1:]) > 65535:
        return None
    return name, int(rest[1:])


def host_allowed(value: str | None, allowed: Iterable[str]) -> bool:
    """Whether a Host header names one of `allowed` (loopback always): each a name, any port,
    or a `name:port`, that port only."""
    parsed = parse_host(value) if value else None
    if parsed is None:
        return False
    for entry in (*LOOPBACK, *allowed):
        wanted = parse_host(entry)
        if wanted is not None and wanted[0] == parsed[0] and wanted[1] in (None, parsed[1]):
            return True
    return False
