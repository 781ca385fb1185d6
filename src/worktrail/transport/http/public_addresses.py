"""The guard against server-side request forgery for what this server fetches on a client's word
(client ID metadata documents): a host is resolved once, refused when ANY of its addresses is not
a public one (loopback, link-local, private, unspecified, multicast, reserved; IPv4 and IPv6,
an IPv4-mapped, 6to4 or Teredo IPv6 address judged as the IPv4 one it carries) unless an operator named it, and the
connection goes to the very address that was checked. The check is in httpcore's connection step
(a network backend), so a name that resolves elsewhere a moment later (DNS rebinding) changes
nothing, and the TLS handshake still names and verifies the host the URL gave."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import anyio
from httpcore2 import AnyIOBackend, AsyncNetworkStream, ConnectError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# IETF protocol assignments (RFC 6890): never a host to fetch from, though some Pythons call parts global.
_PROTOCOL_ASSIGNMENTS = ipaddress.ip_network("192.0.0.0/24")


class FetchRefused(Exception):
    """A fetch this server will not make, or whose answer it will not take; the message says why,
    for a person or the client's developer."""


def not_public(address: Address) -> str | None:
    """What kind of address this is when it is not a public one (None: it is)."""
    if isinstance(address, ipaddress.IPv6Address):
        # A tunnel's address reaches the IPv4 one it carries: 6to4 (2002::/16) plainly, Teredo
        # (2001::/32, RFC 4380) as its client's, obfuscated (ipaddress undoes that).
        teredo = address.teredo
        carried = address.ipv4_mapped or address.sixtofour or (teredo[1] if teredo else None)
        if carried is not None:
            address = carried
    if address in _PROTOCOL_ASSIGNMENTS:
        return "reserved"
    for kind in ("unspecified", "loopback", "link_local", "multicast", "reserved", "private"):
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if address.is_global else "non-global"


def allowed_host(allowed: Iterable[str], host: str, port: int) -> bool:
    """Whether `host` (and `port`) is named by an operator's allow-list entry: HOST, HOST:PORT, an
    IPv6 address bare or in brackets, [ADDRESS]:PORT."""
    bare = host.strip("[]").lower()
    named = f"[{bare}]" if ":" in bare else bare
    return any(entry.lower() in (bare, named, f"{named}:{port}") for entry in allowed)


async def checked_addresses(host: str, port: int, allowed: Iterable[str]) -> list[str]:
    """The addresses to connect to for `host`: resolved once; every one public, unless the
    operator allowed the host."""
    try:
        found = await anyio.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise FetchRefused(f"{host} could not be resolved ({error.strerror or error})") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found))
    if not addresses:
        raise FetchRefused(f"{host} could not be resolved (no address)")
    if not allowed_host(allowed, host, port):
        for address in addresses:
            kind = not_public(address)
            if kind is not None:
                raise FetchRefused(
                    f"{host} resolves to {address}, a {kind} address: this server fetches only from public "
                    "addresses (an operator may allow a host with --client-metadata-allow-host HOST[:PORT])"
                )
    return [str(address) for address in addresses]


class PublicOnlyBackend(AnyIOBackend):
    """httpcore's network backend, connecting only to the addresses `checked_addresses` approved
    (in the order the resolver gave them, the next when one does not answer)."""

    def __init__(self, allowed: Iterable[str]) -> None:
        self.allowed = tuple(allowed)

    async def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> AsyncNetworkStream:
        addresses = await checked_addresses(host, port, self.allowed)
        for address in addresses[:-1]:
            try:
                return await super().connect_tcp(address, port, *args, **kwargs)
            except ConnectError:
                continue
        return await super().connect_tcp(addresses[-1], port, *args, **kwargs)
