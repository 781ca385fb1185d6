"""Bearer API keys (and, with `--auth oauth`, the ledger's OAuth access tokens), checked on every request through the SDK's `TokenVerifier` seam.

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
from worktrail.domain.oauth_tokens import ACCESS_PREFIX
from worktrail.store.store import Store

# How stale `last_used_at` may grow before a request writes it again.
TOUCH_EVERY = timedelta(minutes=1)


class KeyToken(AccessToken):
    """An accepted key: `client_id` is the key's id (what logs name), `actor` who it acts as;
    for an OAuth access token, `person_role` is its person's own role (the grant's may be less)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    actor: Any = None
    person_role: str | None = None


class KeyVerifier:
    """Turns `Authorization: Bearer <api key>` into the key's actor, or refuses it (None)."""

    def __init__(self, store: Store, clock: Clock | None = None, resource: str | None = None) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.resource = resource  # with --auth oauth: this server's /mcp, which an access token must name
        self._audience = None if resource is None else resource.rstrip("/")

    async def verify_token(self, token: str) -> AccessToken | None:
        now = self.clock.now()
        if self.resource is not None and token.startswith(ACCESS_PREFIX):
            bearer = await self.store.oauth_grants.bearer(token, now, now - TOUCH_EVERY)
            if bearer is None or (bearer.audience != self._audience and bearer.audience.rstrip("/") != self._audience):
                return None  # unknown, expired, revoked, or bound to another server
            return KeyToken.model_construct(token="", client_id=bearer.actor.key_id, scopes=bearer.scope.split(),
                                            actor=bearer.actor, resource=bearer.audience, person_role=bearer.person_role)  # fmt: skip
        actor: Actor | None = await self.store.keys.bearer(token, format_ts(now), format_ts(now - TOUCH_EVERY))
        if actor is None:
            return None
        # Built from the ledger's own values, so not validated again (on every request: a pydantic validation).
        return KeyToken.model_construct(token="", client_id=actor.key_id, scopes=[actor.role], actor=actor)


def actor_of(request: Any) -> Actor | None:
    """The actor the request's bearer key was accepted as (None without one)."""
    user = request.scope.get("user") if request is not None else None
    token = getattr(user, "access_token", None)
    return token.actor if isinstance(token, KeyToken) else None
