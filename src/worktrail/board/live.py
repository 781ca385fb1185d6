"""Live pages: one watcher per process finds new changes (one indexed read of the change record's
high-water mark whenever the store signals: at most twice a second on SQLite, on NOTIFY on
PostgreSQL; and only while a page listens), and every open page's stream is told by it. 100
open boards cost the database what one does.

A stream is held to the same session rules as a page: when its session ends the stream says
`ended` and closes, and the page goes to the login page. A logout (in any process) and a revoked
key or an inactive resource (commits) wake every stream, which looks at its session at once; an
expiry is found by the check every `SESSION_CHECK_EVERY` seconds."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import anyio

from worktrail.store.store import Store

log = logging.getLogger(__name__)

# How often a stream with nothing new checks its session all the same (seconds).
SESSION_CHECK_EVERY = 15.0


class Watcher:
    """The one watcher of a process: runs while at least one stream listens."""

    def __init__(self, store: Store, period: float) -> None:
        self.store = store
        self.period = period
        self.seq: int | None = None
        self.ends: int | None = None  # how many board sessions have ended (a logout moves it)
        self.listeners = 0
        self.reads = 0  # how many times it has read the ledger (what 100 pages cost: the same)
        self._moved = anyio.Event()
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while self.listeners > 0:
            following = self.store.changes.follow(self.period)
            try:
                async for seq, ends in following:
                    self.reads += 1
                    if seq != self.seq or ends != self.ends:
                        self.seq, self.ends = seq, ends
                        moved, self._moved = self._moved, anyio.Event()
                        moved.set()
                    if self.listeners == 0:
                        break
            except Exception:  # the ledger is away for a moment: look again shortly
                log.warning("the board's watcher could not read the ledger", exc_info=True)
                await anyio.sleep(self.period)
            finally:
                await following.aclose()  # type: ignore[attr-defined]
        self._task = None

    async def changes(self, still_allowed: Callable[[], Awaitable[bool]]) -> AsyncIterator[str]:
        """What one stream sends: `change` after each new commit, `ended` when its session is over."""
        self.listeners += 1
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())
        try:
            seen, seen_ends = self.seq, self.ends
            while True:
                moved = self._moved
                if self.seq == seen and self.ends == seen_ends:
                    with anyio.move_on_after(SESSION_CHECK_EVERY):
                        await moved.wait()
                seen_ends = self.ends
                if not await still_allowed():
                    yield "ended"
                    return
                if self.seq != seen and seen is not None:
                    yield "change"
                seen = self.seq
        finally:
            self.listeners -= 1
            if self.listeners == 0 and self._task is not None:  # nobody listens: stop looking
                self._task.cancel()
                self._task = None
