"""How the board is served: its session lifetime, cookies, the Host names it answers to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

# A browser's session lasts this long on the server unless --board-session-ttl says otherwise.
SESSION_TTL = timedelta(hours=12)


@dataclass(frozen=True)
class BoardOptions:
    """`secure`: the cookie is sent over TLS only (the server, or a proxy, terminates TLS).
    `allowed_hosts`: Host names beyond loopback the board answers to (others get 421).
    `poll_every`: how often the process's one watcher looks for new changes (seconds).
    `ticket_origin`: the origin whose one-time sign-in addresses this board takes (`worktrail
    board`'s own, loopback only; a `serve --http` server's public URL, or with `--auth oauth` its
    issuer); None: it takes none (a `serve --http` that does not know how people reach it)."""

    session_ttl: timedelta = SESSION_TTL
    secure: bool = False
    allowed_hosts: tuple[str, ...] = ()
    poll_every: float = 0.5
    ticket_origin: str | None = None
