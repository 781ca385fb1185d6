"""ts.aud.list: one change record per mutation, written with it, readable by who may read it."""

from __future__ import annotations

import pytest

from tests.conftest import Agent, PinnedClock, as_role, connect
from worktrail.domain.ids import hash_api_key
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio


async def history(agent: Agent, entity_id: str) -> list[dict]:
    return (await agent.ok("ts.aud.list", {"entity_id": entity_id}))["records"]


async def test_every_mutating_tool_writes_one_record_per_change(owner: Agent) -> None:
    me = (await owner.ok("ts.auth.whoami"))["resource_id"]
    edv = await owner.ok("ts.edv.create", {"name": "Ops"})
    await owner.ok("ts.edv.update", {"id": edv["id"], "status": "on_hold"})
    res = await owner.ok("ts.res.create", {"type": "agent", "name": "bot"})
    await owner.ok("ts.res.update", {"id": res["id"], "name": "bot-2"})
    key = await owner.ok("ts.key.create", {"resource_id": res["id"]})
    await owner.ok("ts.key.revoke", {"id": key["id"]})
    task = await owner.ok("ts.tsk.create", {"title": "T"})
    await owner.ok("ts.tsk.update", {"id": task["id"], "status": "active"})
    await owner.ok("ts.tsk.cancel", {"id": task["id"], "reason": "Not needed"})
    rtl = await owner.ok("ts.rtl.create", {"name": "R", "prompt": "p"})
    await owner.ok("ts.rtl.update", {"id": rtl["id"], "is_enabled": False})
    await owner.ok("ts.rtl.update", {"id": rtl["id"], "is_enabled": True})
    run = await owner.ok("ts.rtr.create", {"ritual_id": rtl["id"]})
    await owner.ok("ts.rtr.update", {"id": run["id"], "status": "succeeded"})

    expected = {
        edv["id"]: [("ts.edv.create", "create"), ("ts.edv.update", "update")],
        res["id"]: [("ts.res.create", "create"), ("ts.res.update", "update")],
        key["id"]: [("ts.key.create", "create"), ("ts.key.revoke", "revoke")],
        task["id"]: [("ts.tsk.create", "create"), ("ts.tsk.update", "update"), ("ts.tsk.cancel", "cancel")],
        rtl["id"]: [("ts.rtl.create", "create"), ("ts.rtl.update", "update"), ("ts.rtl.update", "update")],
        run["id"]: [("ts.rtr.create", "create"), ("ts.rtr.update", "update")],
    }
    for entity_id, steps in expected.items():
        records = await history(owner, entity_id)
        assert [(r["tool"], r["action"]) for r in records] == steps, entity_id
        assert all(r["actor_id"] == me and r["entity_id"] == entity_id for r in records)
    assert (await history(owner, task["id"]))[2]["changes"]["status"] == ["active", "canceled"]
    assert (await history(owner, rtl["id"]))[1]["changes"]["is_enabled"] == [True, False]
    assert (await history(owner, run["id"]))[1]["changes"]["status"] == ["running", "succeeded"]


async def test_a_refused_call_writes_no_record(owner: Agent) -> None:
    task = await owner.ok("ts.tsk.create", {"title": "T"})
    before = (await owner.ok("ts.aud.list", {}))["total"]
    await owner.err("ts.tsk.update", {"id": task["id"], "status": "done"})
    await owner.err("ts.rtr.create", {"ritual_id": "rtl_nope"})
    await owner.err("ts.rtl.create", {"name": "n", "prompt": "p", "schedule": {"type": "weekly"}})
    assert (await owner.ok("ts.aud.list", {}))["total"] == before


async def test_one_entitys_history_is_oldest_first_and_the_trail_newest_first(owner: Agent) -> None:
    task = await owner.ok("ts.tsk.create", {"title": "T"})
    await owner.ok("ts.tsk.update", {"id": task["id"], "title": "T2"})
    await owner.ok("ts.tsk.update", {"id": task["id"], "title": "T3"})
    records = await history(owner, task["id"])
    assert [r["action"] for r in records] == ["create", "update", "update"]
    assert [r["changes"].get("title") for r in records] == [None, ["T", "T2"], ["T2", "T3"]]
    newest = (await owner.ok("ts.aud.list", {"limit": 2}))["records"]
    assert [r["changes"]["title"] for r in newest] == [["T2", "T3"], ["T", "T2"]]


async def test_a_create_record_says_who_made_what_and_when_and_the_row_holds_the_values(owner: Agent) -> None:
    task = await owner.ok("ts.tsk.create", {"title": "T", "estimate": 2})
    created = (await history(owner, task["id"]))[0]
    assert created["action"] == "create" and created["version"] == 1 and created["changes"] == {}
    assert created["entity_id"] == task["id"] and created["at"] == task["created_at"]
    assert created["actor_id"] == task["creator_id"] and created["tool"] == "ts.tsk.create"


async def test_filters_by_actor_type_action_and_time(store: Store, owner_key: str) -> None:
    clock = PinnedClock("2026-11-01T08:00:00Z")
    async with connect(store, owner_key, clock=clock) as owner:
        me = (await owner.ok("ts.auth.whoami"))["resource_id"]
        old = await owner.ok("ts.tsk.create", {"title": "Old"})
        clock.set("2026-11-20T08:00:00Z")
        async with as_role(owner, store, "member") as (member, member_id):
            new = await member.ok("ts.tsk.create", {"title": "New"})
            await member.ok("ts.tsk.cancel", {"id": new["id"], "reason": "Dup"})
            mine = await member.ok("ts.aud.list", {"actor_id": "me"})
            assert {r["actor_id"] for r in mine["records"]} == {member_id} and mine["total"] == 2
        by_owner = await owner.ok("ts.aud.list", {"actor_id": me, "entity_type": "task"})
        assert [r["entity_id"] for r in by_owner["records"]] == [old["id"]]
        cancels = await owner.ok("ts.aud.list", {"action": "cancel"})
        assert [r["entity_id"] for r in cancels["records"]] == [new["id"]]
        since = await owner.ok("ts.aud.list", {"entity_type": "task", "since": "2026-11-15"})
        assert {r["entity_id"] for r in since["records"]} == {new["id"]}
        exact = await owner.ok("ts.aud.list", {"entity_type": "task", "since": "2026-11-01T08:00:01Z"})
        assert old["id"] not in {r["entity_id"] for r in exact["records"]}
        bad = await owner.err("ts.aud.list", {"since": "last week"})
        assert bad["code"] == "invalid_input" and bad["details"][0]["loc"] == ["since"]


async def test_key_records_are_shown_to_their_owner_and_admins_only(owner: Agent, store: Store) -> None:
    other = await owner.ok("ts.res.create", {"type": "agent", "name": "other"})
    others_key = await owner.ok("ts.key.create", {"resource_id": other["id"]})
    async with as_role(owner, store, "member") as (member, member_id):
        own = await member.ok("ts.key.create", {"resource_id": member_id})
        seen = {r["entity_id"] for r in (await member.ok("ts.aud.list", {"entity_type": "api_key"}))["records"]}
        assert own["id"] in seen and others_key["id"] not in seen
        assert (await member.ok("ts.aud.list", {"entity_id": others_key["id"]}))["total"] == 0
        # Everything else on this single-team ledger is readable, so its history is too.
        assert (await member.ok("ts.aud.list", {"entity_id": other["id"]}))["total"] == 1
    async with as_role(owner, store, "admin") as (admin, _):
        seen = {r["entity_id"] for r in (await admin.ok("ts.aud.list", {"entity_type": "api_key"}))["records"]}
        assert {own["id"], others_key["id"]} <= seen


async def test_records_never_hold_a_key_or_its_hash(owner: Agent, store: Store) -> None:
    res = await owner.ok("ts.res.create", {"type": "agent", "name": "bot"})
    key = await owner.ok("ts.key.create", {"resource_id": res["id"]})
    text = str(await owner.ok("ts.aud.list", {}))
    assert key["api_key"] not in text and hash_api_key(key["api_key"]) not in text and "hash" not in text


async def test_viewers_may_read_the_trail_and_it_needs_a_login(owner: Agent, store: Store) -> None:
    await owner.ok("ts.tsk.create", {"title": "T"})
    async with as_role(owner, store, "viewer") as (viewer, _):
        assert (await viewer.ok("ts.aud.list", {"entity_type": "task"}))["total"] == 1
    async with connect(store) as stranger:
        assert (await stranger.err("ts.aud.list", {}))["code"] == "not_authenticated"


@pytest.mark.parametrize(("tool", "field"), [("ts.aud.list", "since"), ("ts.wrn.list", "created_at_from")])
async def test_a_date_filter_has_nothing_to_clear_and_does_not_offer_to(owner: Agent, tool: str, field: str) -> None:
    for value in ("", "yesterday"):
        refused = await owner.err(tool, {field: value})
        assert refused["code"] == "invalid_input" and refused["details"][0]["loc"] == [field]
        assert "to clear" not in refused["message"] and "ISO 8601" in refused["message"]
