"""What a handler is handed: the caller, the store, the time of the call."""

from __future__ import annotations

from dataclasses import dataclass

from worktrail.domain.actor import Actor
from worktrail.store.audit import Origin
from worktrail.store.store import Store


@dataclass
class Session:
    """The login of one client. In stdio mode it is process state: one process serves one client,
    and the SDK builds a fresh connection object per request in the 2026-07-28 era."""

    actor: Actor | None = None


@dataclass(frozen=True)
class Call:
    """One tool call, after login and validation."""

    tool: str
    store: Store
    session: Session
    actor: Actor | None
    now: str

    @property
    def me(self) -> Actor:
        """The logged-in caller (every tool that needs a login may rely on it)."""
        if self.actor is None:
            raise RuntimeError(f"{self.tool} ran without a login")
        return self.actor

    def origin(self) -> Origin:
        """Who, through what, when: for the change records this call writes."""
        return Origin(self.actor.resource_id if self.actor else None, self.tool, self.now)
