"""ts.edv.*: endeavours, their lifecycle and their task counts."""

from __future__ import annotations

import pytest

from tests.conftest import Agent
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio


async def test_create_is_active_and_get_counts_tasks_by_status(owner: Agent) -> None:
    edv = await owner.ok("ts.edv.create", {"name": "Docs", "goals": ["Ship"], "start_date": "2026-03-01"})
    assert edv["status"] == "active" and edv["goals"] == ["Ship"] and edv["start_date"] == "2026-03-01"
    for title in ("a", "b"):
        await owner.ok("ts.tsk.create", {"title": title, "endeavour_id": edv["id"]})
    task = await owner.ok("ts.tsk.create", {"title": "c", "endeavour_id": edv["id"]})
    await owner.ok("ts.tsk.update", {"id": task["id"], "status": "active"})
    counts = (await owner.ok("ts.edv.get", {"id": edv["id"]}))["task_counts"]
    assert counts == {"planned": 2, "active": 1, "done": 0, "canceled": 0}


async def test_list_filters_and_pages_newest_first(owner: Agent) -> None:
    made = [await owner.ok("ts.edv.create", {"name": f"E{i}"}) for i in range(3)]
    await owner.ok("ts.edv.update", {"id": made[0]["id"], "status": "on_hold"})
    page = await owner.ok("ts.edv.list", {"limit": 2})
    assert page["total"] == 3 and [e["id"] for e in page["endeavours"]] == [made[2]["id"], made[1]["id"]]
    held = await owner.ok("ts.edv.list", {"status": "on_hold"})
    assert [e["id"] for e in held["endeavours"]] == [made[0]["id"]]


async def test_lifecycle_stamps_and_archived_is_final(owner: Agent) -> None:
    edv = await owner.ok("ts.edv.create", {"name": "E"})
    await owner.ok("ts.edv.update", {"id": edv["id"], "status": "completed"})
    assert "completed_at" in await owner.ok("ts.edv.get", {"id": edv["id"]})
    await owner.ok("ts.edv.update", {"id": edv["id"], "status": "active"})
    assert "completed_at" not in await owner.ok("ts.edv.get", {"id": edv["id"]})
    await owner.ok("ts.edv.update", {"id": edv["id"], "status": "archived"})
    refused = await owner.err("ts.edv.update", {"id": edv["id"], "status": "active"})
    assert refused["code"] == "invalid_transition" and refused["details"]["allowed"] == []
    frozen = await owner.err("ts.edv.update", {"id": edv["id"], "name": "new"})
    assert frozen["code"] == "invalid_input"
    assert (await owner.err("ts.tsk.create", {"title": "t", "endeavour_id": edv["id"]}))["code"] == "invalid_input"


async def test_end_date_before_start_date_is_refused(owner: Agent) -> None:
    error = await owner.err("ts.edv.create", {"name": "E", "start_date": "2026-03-02", "end_date": "2026-03-01"})
    assert error["code"] == "invalid_input" and error["details"][0]["loc"] == ["end_date"]
    edv = await owner.ok("ts.edv.create", {"name": "E", "start_date": "2026-03-01"})
    assert (await owner.err("ts.edv.update", {"id": edv["id"], "end_date": "2026-02-01"}))["code"] == "invalid_input"
    await owner.ok("ts.edv.update", {"id": edv["id"], "start_date": ""})
    assert "start_date" not in await owner.ok("ts.edv.get", {"id": edv["id"]})


async def test_unknown_endeavour_is_not_found(owner: Agent, store: Store) -> None:
    assert (await owner.err("ts.edv.get", {"id": "edv_nope"}))["code"] == "not_found"
    assert (await owner.err("ts.edv.update", {"id": "edv_nope", "name": "x"}))["code"] == "not_found"
