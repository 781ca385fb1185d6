"""The board shows who holds a claimed task's lease and until when, on the task's page and on its
card, by name (the id in the link only); a task no one holds shows no lease."""

from __future__ import annotations

import re

import pytest

from tests.board_client import board_over, browser
from tests.conftest import PinnedClock, connect, make_resource
from tests.test_board_cards import card_of
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio


async def test_the_task_page_and_its_card_show_who_holds_the_lease_and_until_when(store: Store, owner_key: str) -> None:
    clock = PinnedClock("2026-05-01T10:00:00Z")
    async with connect(store, owner_key, clock=clock) as owner:
        grace, key = await make_resource(owner, "member", "Grace Hopper", type="human")
        held = (await owner.ok("ts.tsk.create", {"title": "Write the notes"}))["id"]
        free = (await owner.ok("ts.tsk.create", {"title": "Tag it"}))["id"]
        async with connect(store, key, clock=clock) as member:
            await member.ok("ts.tsk.claim", {"id": held, "lease": "10m"})
    clock.set("2026-05-01T10:04:00Z")
    async with browser(board_over(store, clock)) as person:
        await person.login(owner_key)
        page = (await person.get(f"/tasks/{held}")).text
        board = (await person.get("/tasks")).text
        unheld = (await person.get(f"/tasks/{free}")).text
    until = r'<time datetime="2026-05-01T10:10:00Z" title="2026-05-01 10:10:00 UTC">in 6 min</time>'
    lease = re.search(r'<dt>Lease</dt><dd class="lease">(.*?)</dd>', page)
    assert lease is not None, page
    assert re.fullmatch(rf'held by <a href="[^"]*{grace}[^"]*">Grace Hopper</a> until {until}', lease.group(1))
    card = card_of(board, held)
    assert re.search(rf'<li class="lease"><span class="label">Lease</span> held by <a [^>]*>Grace Hopper</a> until {until}',
                     card), card  # fmt: skip
    assert "Lease" not in card_of(board, free) and "<dt>Lease</dt>" not in unheld
