"""Limits on what one caller may ask of this process, past which the answer is 429 with
`Retry-After`; kept in this process's memory (behind a load balancer each process allows its own).

- `--rate-limit N/s`: requests a key may make each second, counted by the verified key's id
  (never by the header's text: the SDK takes the scheme in any case, `bearer` or `BEARER`, and
  each spelling would get a budget of its own). `/mcp` calls and the board's pages and actions
  (as the signed-in person's key) draw on the same budget.
- `--auth-fail-limit N` (20 a minute unless told): failed authentications a client address may
  make, a refused key on `/mcp` or a refused login on the board alike. Past it, every request
  from that address that offers a key or a login is refused before it is checked (so a guess
  that happens to be right is refused too, and tells the guesser nothing) until the budget
  refills.
- Client ID metadata documents (`--auth oauth`): documents one address may have this process
  fetch an hour, by `/authorize`, `/token`, `/revoke` and the board's consent page alike.

Each is a token bucket per name: bursts up to the budget, refilled at its rate.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from typing import Any

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from worktrail.transport.http.refusals import presents_a_key

# Buckets kept at most per limit (least recently used dropped first): memory stays bounded.
MAX_BUCKETS = 10_000
AUTH_FAIL_LIMIT = 20  # failed authentications an address may make a minute, unless told otherwise
# Documents one address may have this server fetch an hour (in each process): anyone may name any
# URL as a client_id, and the server must not become a way to send a third party requests.
DOCUMENT_FETCHES_PER_HOUR = 30


class Buckets:
    """Token buckets by name: up to `burst` at once, refilled at `rate` a second."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def _level(self, who: str) -> float:
        now = time.monotonic()
        tokens, at = self._buckets.pop(who, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        self._buckets[who] = (tokens, now)
        if len(self._buckets) > MAX_BUCKETS:
            self._buckets.popitem(last=False)
        return tokens

    def wait(self, who: str) -> float:
        """0 when `who` has a token left, else the seconds until it has (nothing is taken)."""
        tokens = self._level(who)
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate

    def take(self, who: str) -> float:
        """Take a token: 0 when there was one, else the seconds until there is (nothing taken)."""
        waited = self.wait(who)
        if waited == 0:
            tokens, at = self._buckets[who]
            self._buckets[who] = (tokens - 1, at)
        return waited


class Limits:
    """This process's limits, shared by `/mcp` and the board."""

    def __init__(self, per_second: float | None = None, auth_fail_limit: int = AUTH_FAIL_LIMIT) -> None:
        self.per_second = per_second
        self.auth_fail_limit = auth_fail_limit
        self._keys = Buckets(per_second, per_second) if per_second else None
        self._failures = Buckets(auth_fail_limit / 60, auth_fail_limit) if auth_fail_limit else None
        self.document_fetches = document_fetches()

    def for_key(self, key_id: str) -> float:
        """A request by this key: 0 when it may go, else the seconds to wait."""
        return self._keys.take(key_id) if self._keys is not None else 0.0

    def auth_refused_for(self, address: str) -> float:
        """0 when this address may try a key or a login, else the seconds until it may."""
        return self._failures.wait(address) if self._failures is not None else 0.0

    def auth_failed(self, address: str) -> None:
        """Count a refused key or login from this address."""
        if self._failures is not None:
            self._failures.take(address)


def document_fetches() -> Buckets:
    """A budget of client ID metadata document fetches per address (DOCUMENT_FETCHES_PER_HOUR)."""
    return Buckets(DOCUMENT_FETCHES_PER_HOUR / 3600, DOCUMENT_FETCHES_PER_HOUR)


def address_of(scope: Scope) -> str:
    """The client's address (uvicorn puts a trusted proxy's X-Forwarded-For there)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def retry_after(wait: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(wait)))}


def key_rate_limited(wait: float, per_second: Any) -> Response:
    said = f"Too many requests for this key (over {per_second:g} a second); retry after the Retry-After seconds."
    return JSONResponse({"error": "rate_limited", "error_description": said}, 429, headers=retry_after(wait))


def auth_failures_limited(wait: float, limit: int) -> Response:
    said = (f"Too many failed authentications from this address (over {limit} a minute): retry after the "
            "Retry-After seconds, with a key that is valid.")  # fmt: skip
    return JSONResponse({"error": "rate_limited", "error_description": said}, 429, headers=retry_after(wait))


class KeyBudget:
    """Around `/mcp`'s endpoint, after the key is verified: the key's own budget (by its id)."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        user = scope.get("user")
        if isinstance(user, AuthenticatedUser):
            wait = self.limits.for_key(user.access_token.client_id)
            if wait:
                await key_rate_limited(wait, self.limits.per_second)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class AuthFailureGate:
    """In front of `/mcp`, before the key is checked: an address past its failures is refused at
    once; a key refused (401) counts against its address. A request with no key at all costs no
    look-up and is not counted."""

    def __init__(self, app: ASGIApp, path: str, limits: Limits) -> None:
        self.app = app
        self.path = path
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or not presents_a_key(scope):
            await self.app(scope, receive, send)
            return
        address = address_of(scope)
        wait = self.limits.auth_refused_for(address)
        if wait:
            await auth_failures_limited(wait, self.limits.auth_fail_limit)(scope, receive, send)
            return

        async def noting(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 401:
                self.limits.auth_failed(address)
            await send(message)

        await self.app(scope, receive, noting)
