"""ts.tsk.create, get and list."""

from __future__ import annotations

import pytest

from tests.conftest import Agent, as_role
from worktrail.store.audit import Origin
from worktrail.store.connection import Connection
from worktrail.store.rows import COUNT_CAP
from worktrail.store.store import Store
from worktrail.store.tasks import tasks

pytestmark = pytest.mark.anyio


async def test_create_returns_the_full_planned_task_with_the_caller_as_creator(owner: Agent) -> None:
    me = await owner.ok("ts.auth.whoami")
    task = await owner.ok(
        "ts.tsk.create", {"title": "T", "estimate": 2, "due_date": "2026-03-01", "metadata": {"k": 1}}
    )
    assert task["status"] == "planned" and task["creator_id"] == me["resource_id"]
    assert task["id"].startswith("tsk_") and len(task["id"]) == 4 + 24
    assert task["estimate"] == 2 and task["due_date"] == "2026-03-01" and task["metadata"] == {"k": 1}
    assert await owner.ok("ts.tsk.get", {"id": task["id"]}) == {**task, "blocked_by": []}


async def test_create_with_unknown_endeavour_or_assignee_is_not_found(owner: Agent) -> None:
    assert (await owner.err("ts.tsk.create", {"title": "T", "endeavour_id": "edv_nope"}))["code"] == "not_found"
    assert (await owner.err("ts.tsk.create", {"title": "T", "assignee_id": "res_nope"}))["code"] == "not_found"
    assert (await owner.ok("ts.tsk.list"))["total"] == 0


async def test_list_is_newest_first_and_pages_stably(owner: Agent) -> None:
    ids = [(await owner.ok("ts.tsk.create", {"title": f"T{i}"}))["id"] for i in range(5)]
    first = await owner.ok("ts.tsk.list", {"limit": 2})
    second = await owner.ok("ts.tsk.list", {"limit": 2, "offset": 2})
    assert first["total"] == second["total"] == 5 and first["limit"] == 2 and second["offset"] == 2
    assert [t["id"] for t in first["tasks"] + second["tasks"]] == ids[::-1][:4]


async def test_list_filters_by_status_one_or_many(owner: Agent) -> None:
    a = await owner.ok("ts.tsk.create", {"title": "a"})
    b = await owner.ok("ts.tsk.create", {"title": "b"})
    await owner.ok("ts.tsk.create", {"title": "c"})
    await owner.ok("ts.tsk.update", {"id": a["id"], "status": "active"})
    await owner.ok("ts.tsk.cancel", {"id": b["id"], "reason": "r"})
    assert [t["id"] for t in (await owner.ok("ts.tsk.list", {"status": "active"}))["tasks"]] == [a["id"]]
    both = await owner.ok("ts.tsk.list", {"status": ["active", "canceled"]})
    assert {t["id"] for t in both["tasks"]} == {a["id"], b["id"]}
    assert (await owner.err("ts.tsk.list", {"status": "open"}))["code"] == "invalid_input"


async def test_list_filters_by_endeavour_assignee_me_and_search(owner: Agent, store: Store) -> None:
    edv = await owner.ok("ts.edv.create", {"name": "E"})
    in_edv = await owner.ok("ts.tsk.create", {"title": "inside", "endeavour_id": edv["id"]})
    await owner.ok("ts.tsk.create", {"title": "outside 100%"})
    assert [t["id"] for t in (await owner.ok("ts.tsk.list", {"endeavour_id": edv["id"]}))["tasks"]] == [in_edv["id"]]
    async with as_role(owner, store, "member") as (member, member_id):
        mine = await owner.ok("ts.tsk.create", {"title": "for member", "assignee_id": member_id})
        assert [t["id"] for t in (await member.ok("ts.tsk.list", {"assignee_id": "me"}))["tasks"]] == [mine["id"]]
    found = await owner.ok("ts.tsk.list", {"search": "100%"})
    assert [t["title"] for t in found["tasks"]] == ["outside 100%"]
    assert (await owner.ok("ts.tsk.list", {"search": "_"}))["total"] == 0


async def test_list_limit_is_bounded(owner: Agent) -> None:
    assert (await owner.err("ts.tsk.list", {"limit": 501}))["code"] == "invalid_input"
    assert (await owner.err("ts.tsk.list", {"limit": 0}))["code"] == "invalid_input"
    assert (await owner.ok("ts.tsk.list"))["limit"] == 50


async def test_get_unknown_task_is_not_found(owner: Agent) -> None:
    error = await owner.err("ts.tsk.get", {"id": "tsk_nope"})
    assert error["code"] == "not_found" and "tsk_nope" in error["message"]


async def test_a_lists_total_counts_up_to_the_cap_and_paging_goes_on_past_it(owner: Agent, store: Store) -> None:
    """An exact count of a million rows reads them all; `total` stops at COUNT_CAP ("at least")."""
    origin = Origin(None, "test", "2026-11-25T10:00:00Z")

    async def many(conn: Connection) -> None:
        for n in range(COUNT_CAP + 5):
            await tasks.create(conn, origin, {"title": f"t{n}"})

    await store.db.write(many)
    everything = await owner.ok("ts.tsk.list", {"limit": 1})
    assert everything["total"] == COUNT_CAP
    past = await owner.ok("ts.tsk.list", {"limit": 10, "offset": COUNT_CAP})
    assert past["total"] == COUNT_CAP and len(past["tasks"]) == 5
    few = await owner.ok("ts.tsk.list", {"search": "t10004"})
    assert few["total"] == 1 and few["tasks"][0]["title"] == "t10004", "below the cap the count is exact"


async def test_a_total_stopped_at_the_cap_says_it_is_an_estimate(owner: Agent, store: Store) -> None:
    """`total_is_estimate: true` when the count stopped at COUNT_CAP (a one-letter search too,
    alone or filtered); left out when `total` is exact."""
    origin = Origin(None, "test", "2026-11-25T10:00:00Z")

    async def many(conn: Connection) -> None:
        for n in range(COUNT_CAP + 1):
            await tasks.create(conn, origin, {"title": f"t{n}"})

    await store.db.write(many)
    for arguments in ({}, {"search": "t"}, {"search": "t", "status": ["planned"]}, {"status": ["planned"]}):
        capped = await owner.ok("ts.tsk.list", {"limit": 1, **arguments})
        assert (capped["total"], capped.get("total_is_estimate")) == (COUNT_CAP, True), arguments
    for arguments in ({"search": "t10000"}, {"search": "t", "status": ["done"]}, {"status": ["active"]}):
        exact = await owner.ok("ts.tsk.list", {"limit": 1, **arguments})
        assert "total_is_estimate" not in exact and exact["total"] == len(exact["tasks"]), arguments
