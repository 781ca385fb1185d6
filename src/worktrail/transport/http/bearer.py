"""Bearer API keys, checked on every request through the SDK's `TokenVerifier` seam.

The key is looked up by its hash on each request (a read): a key revoked by any process, or the
key of a resource made inactive, is refused from the next request on, and nothing about a
caller is kept in process memory between requests. The registry checks the key once more inside
each call's own first transaction, as it does for stdio, so a revocation that lands between the
two is still seen."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from mcp.server.auth.provider import AccessToken
from pydantic import ConfigDict

from worktrail.domain.actor import Actor
from worktrail.domain.clock import Clock, SystemClock, format_ts
from worktrail.store.store import Store

# How stale `last_used_at` may grow before a request writes it again.
TOUCH_EVERY = timedelta(minutes=1)


class KeyToken(AccessToken):
    """An accepted key: `client_id` is the key's id (what logs name), `actor` who it acts as."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    actor: Any = None


class KeyVerifier:
    """Turns `Authorization: Bearer <api key>` into the key's actor, or refuses it (None)."""

    def __init__(self, store: Store, clock: Clock | None = None) -> None:
        self.store = store
        self.clock = clock or SystemClock()

    async def verify_token(self, token: str) -> AccessToken | None:
        now = self.clock.now()
        actor: Actor | None = await self.store.keys.bearer(token, format_ts(now), format_ts(now - TOUCH_EVERY))
        if actor is None:
            return None
        return KeyToken(token="", client_id=actor.key_id, scopes=[actor.role], actor=actor)


def actor_of(request: Any) -> Actor | None:
    """The actor the request's bearer key was accepted as (None without one)."""
    user = request.scope.get("user") if request is not None else None
    token = getattr(user, "access_token", None)
    return token.actor if isinstance(token, KeyToken) else None
