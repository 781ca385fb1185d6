"""A task's card on the board: its title, its endeavour and assignee by name, its due date
(flagged when it is past and the task still open), its estimate and actual hours, and how long
since it last changed, in a `<time datetime>` a person reads as "4 min ago"."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.board_client import board_over, browser
from tests.conftest import PinnedClock, connect, make_resource
from worktrail.domain.clock import format_ts, parse_ts
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio


def card_of(html: str, task_id: str) -> str:
    found = re.search(r'<li class="card[^"]*" data-task="' + task_id + r'"[^>]*>.*?</ul>\s*(?:<form.*?</form>\s*)?</li>',
                      html, re.S)
    assert found is not None, f"no card for {task_id}"
    return found.group(0)


async def test_a_card_names_its_endeavour_and_assignee_and_shows_due_hours_and_last_change(
    store: Store, owner_key: str
) -> None:
    async with connect(store, owner_key) as owner:
        grace, _ = await make_resource(owner, "member", "Grace Hopper", type="human")
        release = await owner.ok("ts.edv.create", {"name": "Release 2.4"})
        late = await owner.ok("ts.tsk.create", {"title": "Write the notes", "endeavour_id": release["id"],
                                                "assignee_id": grace, "estimate": 3, "due_date": "2026-01-05"})  # fmt: skip
        await owner.ok("ts.tsk.update", {"id": late["id"], "status": "active", "actual": 1.5})
        finished = await owner.ok("ts.tsk.create", {"title": "Tag it", "due_date": "2026-01-05"})
        await owner.ok("ts.tsk.update", {"id": finished["id"], "status": "active"})
        await owner.ok("ts.tsk.update", {"id": finished["id"], "status": "done"})
        changed = (await owner.ok("ts.tsk.get", {"id": late["id"]}))["updated_at"]
    clock = PinnedClock(format_ts(parse_ts(changed) + timedelta(minutes=4, seconds=10)))
    async with browser(board_over(store, clock)) as person:
        await person.login(owner_key)
        html = (await person.get("/tasks")).text
    card = card_of(html, late["id"])
    assert "Write the notes" in card and "Release 2.4" in card and "Grace Hopper" in card
    assert grace not in re.sub(r'href="[^"]*"', "", card)  # the id is in the link only, never the label
    assert re.search(r'<time datetime="2026-01-05"[^>]*>2026-01-05</time>', card)
    assert 'class="card overdue"' in card and "overdue</strong>" in card
    assert "3 h" in card and "1.5 h" in card
    assert re.search(rf'<time datetime="{changed}" title="[^"]+">4 min ago</time>', card)
    done = card_of(html, finished["id"])
    assert "overdue" not in done and "unassigned" in done  # done in time or not, it is late no more


async def test_a_cards_move_form_ends_on_the_board_it_was_sent_from_and_nowhere_else(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key) as owner:
        release = await owner.ok("ts.edv.create", {"name": "Release 2.4"})
        made = await owner.ok("ts.tsk.create", {"title": "Move me", "endeavour_id": release["id"]})
        other = await owner.ok("ts.tsk.create", {"title": "And me"})
    board = f"/tasks?endeavour_id={release['id']}"
    async with browser(board_over(store)) as person:
        await person.login(owner_key)
        html = (await person.get(board)).text
        fields = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', card_of(html, made["id"])))
        assert fields["back"] == board
        assert re.findall(r'<option value="(\w+)">', card_of(html, made["id"])) == ["active"]  # cancel asks why: on its page
        moved = await person.send(f"/tasks/{made['id']}/move", {**fields, "back": board, "status": "active"})
        assert moved.status_code == 303 and moved.headers["location"] == f"{board}&done=moved"
        shown = (await person.get(moved.headers["location"])).text
        assert "Moved." in shown and 'data-status="active"' in card_of(shown, made["id"])
        page = f"/tasks/{other['id']}"
        for away in ("//evil.example/tasks", "https://evil.example/tasks", "/keys"):
            sent = await person.act(page, f"{page}/move", status="active" if away == "/keys" else "planned", back=away)
            assert sent.headers["location"].startswith(page), away
