"""What a handler is handed: the caller, the store, the time of the call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a stdio server makes its Session before it imports the store
    from worktrail.domain.actor import Actor
    from worktrail.store.audit import Origin
    from worktrail.store.recovery import Durations
    from worktrail.store.store import Store


def _durations() -> Durations:
    from worktrail.store.recovery import Durations

    return Durations()


@dataclass
class Session:
    """The login of one client. In stdio mode it is process state: one process serves one client,
    and the SDK builds a fresh connection object per request in the 2026-07-28 era."""

    actor: Actor | None = None


@dataclass(frozen=True)
class Serving:
    """The process a call comes through: its instance (None for `worktrail call`) and its sweep settings."""

    instance_id: str | None = None
    durations: Durations = field(default_factory=_durations)


@dataclass(frozen=True)
class Call:
    """One tool call, after login and validation."""

    tool: str
    store: Store
    session: Session
    actor: Actor | None
    now: str
    serving: Serving = field(default_factory=Serving)

    @property
    def me(self) -> Actor:
        """The logged-in caller (every tool that needs a login may rely on it)."""
        if self.actor is None:
            raise RuntimeError(f"{self.tool} ran without a login")
        return self.actor

    def origin(self) -> Origin:
        """Who, through what, when: for the change records this call writes."""
        from worktrail.store.audit import Origin

        actor = self.actor
        return Origin(actor.resource_id if actor else None, self.tool, self.now, self.serving.instance_id,
                      actor.via if actor else None)  # fmt: skip
