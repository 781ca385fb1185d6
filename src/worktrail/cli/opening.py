"""A stdio server's registry while its ledger is being opened (issue 30, cold start).

The SDK answers the client's `initialize` (and `tools/list`, from the shipped catalogue) while the
ledger is opened behind it: the ledger's modules, its connections and the start-up transactions
(owner, login, instance, sweep) no longer stand before the first answer. A tool call waits for
the ledger, open and migrated, with the session logged in; a ledger that refuses (no owner, a
refused key, an unreadable file) ends the process with the same words as before, before any call
is run, and the client sees its pipe close."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import anyio

if TYPE_CHECKING:  # none of them is needed to answer the handshake
    from worktrail.store.store import Store
    from worktrail.tools.answers import Outcome
    from worktrail.tools.context import Session
    from worktrail.tools.declaration import Tool
    from worktrail.tools.listing import Listed
    from worktrail.tools.registry import Registry


class Opening:
    """Stands for the registry (its `tools` and `call`) until the ledger is open."""

    def __init__(self, tools: Sequence[Tool | Listed]) -> None:
        self.tools = tuple(tools)
        self.begun = anyio.Event()  # the ledger's opening may start (the first answer is out)
        self._opened = anyio.Event()
        self._registry: Registry | None = None
        self.store: Store | None = None  # once open (a stop signal closes it)
        self.closed = anyio.Event()  # the ledger is closed and this instance gone from it

    def begin(self) -> None:
        """Let the ledger's opening start: the client has its first answer, or asked for something
        else first, or said nothing and left."""
        self.begun.set()

    def opened(self, registry: Registry) -> None:
        """The ledger is open and the start-up transactions are done: calls go through."""
        self._registry = registry
        self._opened.set()

    async def settled(self) -> Registry:
        """The registry, once the ledger is open (a refusal ends the process instead)."""
        self.begin()
        await self._opened.wait()
        assert self._registry is not None
        return self._registry

    async def call(self, name: str, arguments: dict[str, Any] | None, session: Session) -> Outcome:
        """The registry's call, once the ledger is open. Once it is, straight to the registry: an
        anyio event that is set still yields to the event loop when waited on (a loop iteration per
        call, for nothing; issue 30)."""
        registry = self._registry
        if registry is None:
            registry = await self.settled()
        return await registry.call(name, arguments, session)
