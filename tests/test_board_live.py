"""The board's one watcher per process: every open page hears of a commit by any writer, and
100 open pages cost the ledger what one does (one read of the change record's high-water mark
per round, however many listen); a page's stream ends when its session does."""

from __future__ import annotations

import anyio
import pytest

from tests.conftest import connect
from worktrail.board.live import Watcher
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio

PERIOD = 0.05


async def test_a_hundred_pages_hear_a_change_for_the_reads_of_one(store: Store, owner_key: str) -> None:
    watcher = Watcher(store, PERIOD)
    heard: list[str] = []

    async def allowed() -> bool:
        return True

    async def page() -> None:
        async for event in watcher.changes(allowed):
            heard.append(event)
            return

    async with connect(store, owner_key) as agent:
        async with anyio.create_task_group() as pages:
            for _ in range(100):
                pages.start_soon(page)
            await anyio.sleep(PERIOD * 3)  # every page listens, none has heard anything yet
            assert heard == []
            rounds_before = watcher.reads
            await agent.ok("ts.tsk.create", {"title": "Heard everywhere"})
            with anyio.fail_after(5):
                while len(heard) < 100:
                    await anyio.sleep(PERIOD / 5)
        assert heard == ["change"] * 100
        # One read a round, not one a page: a few rounds passed, not a hundred reads.
        assert watcher.reads - rounds_before < 10
    await anyio.sleep(PERIOD * 3)
    assert watcher.listeners == 0 and watcher._task is None  # nobody listens: it stops reading


async def test_a_stream_ends_when_its_session_does(store: Store, owner_key: str) -> None:
    watcher = Watcher(store, PERIOD)
    still = [True]

    async def allowed() -> bool:
        return still[0]

    events: list[str] = []

    async def page() -> None:
        async for event in watcher.changes(allowed):
            events.append(event)

    async with connect(store, owner_key) as agent:
        async with anyio.create_task_group() as pages:
            pages.start_soon(page)
            await anyio.sleep(PERIOD * 3)
            still[0] = False
            await agent.ok("ts.tsk.create", {"title": "After the logout"})
            with anyio.fail_after(5):
                while events != ["ended"]:
                    await anyio.sleep(PERIOD / 5)
    assert events == ["ended"]


async def test_a_writer_in_another_process_is_heard(store: Store, ledger: str, owner_key: str) -> None:
    """A commit by another process (its own connection to the ledger) moves the high-water mark."""
    other = await Store.open(ledger, access="existing")
    try:
        before = await store.changes.latest()
        async with connect(other, owner_key) as elsewhere:
            await elsewhere.ok("ts.tsk.create", {"title": "From elsewhere"})
        assert await store.changes.latest() > before
    finally:
        await other.close()
