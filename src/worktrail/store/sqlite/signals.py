"""Changes found on SQLite: a file has no notices to listen for, so the one watcher of a
process looks every `period` (one indexed read of the change record's last rowid, store/changes.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio


async def ticks(period: float) -> AsyncIterator[None]:
    while True:
        yield
        await anyio.sleep(period)
