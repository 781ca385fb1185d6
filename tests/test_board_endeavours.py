"""Endeavours on the board: created through `ts.edv.create` (name, description, goals, dates; a
refused form comes back as typed with the tool's message by the field), listed with their tasks
counted by status and their progress, and each on a page of its own with its tasks."""

from __future__ import annotations

import re

import pytest

from tests.board_client import board_over, browser
from tests.conftest import connect, make_resource
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio


async def test_a_member_creates_an_endeavour_with_its_fields(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key) as owner:
        ada, ada_key = await make_resource(owner, "member", "Ada")
    async with browser(board_over(store)) as person:
        await person.login(ada_key)
        assert 'href="/endeavours/new"' in (await person.get("/endeavours")).text
        fields = await person.form("/endeavours/new", "/endeavours/new")
        sent = {**fields, "name": "Release 2.4", "description": "Ship **it**", "goals": "Docs\r\n\r\nBenchmarks\r\n",
                "start_date": "2026-12-01", "end_date": "2026-12-31"}  # fmt: skip
        made = await person.send("/endeavours/new", sent)
        assert made.status_code == 303
        edv_id = re.fullmatch(r"/endeavours/(edv_[0-9a-f]+)\?done=endeavour", made.headers["location"]).group(1)  # type: ignore[union-attr]
        page = (await person.get(made.headers["location"])).text
        assert "Endeavour created." in page and "<strong>it</strong>" in page and "<li>Benchmarks</li>" in page
    async with connect(store, owner_key) as owner:
        got = await owner.ok("ts.edv.get", {"id": edv_id})
        history = await owner.ok("ts.aud.list", {"entity_id": edv_id})
    assert (got["name"], got["description"], got["goals"], got["start_date"], got["end_date"]) == (
        "Release 2.4", "Ship **it**", ["Docs", "Benchmarks"], "2026-12-01", "2026-12-31")  # fmt: skip
    assert history["records"][0]["actor_id"] == ada


async def test_a_refused_endeavour_shows_the_tools_message_by_the_field(store: Store, owner_key: str) -> None:
    async with browser(board_over(store)) as person:
        await person.login(owner_key)
        fields = await person.form("/endeavours/new", "/endeavours/new")
        sent = {**fields, "name": "Backwards", "goals": "One", "start_date": "2026-12-31", "end_date": "2026-12-01"}
        refused = await person.send("/endeavours/new", sent)
    assert refused.status_code == 400
    assert re.search(r'id="error-end_date">end_date 2026-12-01 is before start_date 2026-12-31<', refused.text)
    assert 'name="name" value="Backwards"' in refused.text and ">One</textarea>" in refused.text
    async with connect(store, owner_key) as owner:
        assert (await owner.ok("ts.edv.list", {}))["total"] == 0


async def test_the_list_and_an_endeavours_page_count_its_tasks_and_show_its_progress(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key) as owner:
        release = await owner.ok("ts.edv.create", {"name": "Release 2.4"})
        other = await owner.ok("ts.edv.create", {"name": "Quiet one"})
        for title, moves in (("Notes", ["active", "done"]), ("Guide", ["active"]), ("Triage", []),
                             ("Dropped", [("canceled", "duplicate")])):  # fmt: skip
            made = await owner.ok("ts.tsk.create", {"title": title, "endeavour_id": release["id"]})
            for move in moves:
                args = {"status": move[0], "canceled_reason": move[1]} if isinstance(move, tuple) else {"status": move}
                await owner.ok("ts.tsk.update", {"id": made["id"], **args})
        await owner.ok("ts.tsk.create", {"title": "Elsewhere"})
    async with browser(board_over(store)) as person:
        await person.login(owner_key)
        listed = (await person.get("/endeavours")).text
        page = (await person.get(f"/endeavours/{release['id']}")).text
    row = re.search(rf'<tr data-endeavour="{release["id"]}">(.*?)</tr>', listed, re.S).group(1)  # type: ignore[union-attr]
    counts = dict(re.findall(r'class="count-(\w+)">([\d,]+)<', row))
    assert counts == {"planned": "1", "active": "1", "done": "1", "canceled": "1"}
    assert "33% (1 of 3 done)" in row  # a canceled task does not count
    quiet = re.search(rf'<tr data-endeavour="{other["id"]}">(.*?)</tr>', listed, re.S).group(1)  # type: ignore[union-attr]
    assert "0% (0 of 0 done)" in quiet
    assert "33% (1 of 3 done)" in page and page.count('<li class="card') == 4 and "Elsewhere" not in page
    assert re.search(r'class="count-done"><a href="/tasks\?endeavour_id=edv_[0-9a-f]+">1<', page)
    assert f'href="/endeavours/{release["id"]}"' in listed


async def test_a_viewer_sees_endeavours_but_no_create(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key) as owner:
        _, viewer_key = await make_resource(owner, "viewer", "Vic")
        release = await owner.ok("ts.edv.create", {"name": "Release 2.4"})
    async with browser(board_over(store)) as viewer:
        await viewer.login(viewer_key)
        listed = await viewer.get("/endeavours")
        page = await viewer.get(f"/endeavours/{release['id']}")
        assert listed.status_code == page.status_code == 200 and "Release 2.4" in listed.text
        assert "/endeavours/new" not in listed.text and "/tasks/new" not in page.text
        assert (await viewer.get("/endeavours/new")).status_code == 403


async def test_the_list_filtered_by_status_shows_only_those_endeavours(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key) as owner:
        await owner.ok("ts.edv.create", {"name": "Still going"})
        ended = await owner.ok("ts.edv.create", {"name": "Wrapped up"})
        await owner.ok("ts.edv.update", {"id": ended["id"], "status": "completed"})
    async with browser(board_over(store)) as person:
        await person.login(owner_key)
        listed = await person.get("/endeavours?status=completed")
    assert listed.status_code == 200  # the filter was taken for the page's HTTP status: a 500
    assert "Wrapped up" in listed.text and "Still going" not in listed.text
    assert '<option value="completed" selected>' in listed.text
