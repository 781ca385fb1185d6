"""ts.rtl.*: rituals, their schedules and when each is due, through the SDK client."""

from __future__ import annotations

import pytest

from tests.conftest import Agent, PinnedClock, as_role, connect
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio

PROMPT = "Review every open task; close what is done, flag what is stuck."


async def new_ritual(agent: Agent, **fields: object) -> dict:
    return await agent.ok("ts.rtl.create", {"name": "Weekly triage", "prompt": PROMPT, **fields})


async def test_a_new_ritual_is_active_enabled_manual_and_yours(owner: Agent) -> None:
    me = await owner.ok("ts.auth.whoami")
    ritual = await new_ritual(owner, description="Every Monday")
    assert ritual["id"].startswith("rtl_") and ritual["prompt"] == PROMPT
    assert ritual["status"] == "active" and ritual["is_enabled"] is True
    assert ritual["schedule"] == {"type": "manual"} and "next_due_at" not in ritual
    assert ritual["created_by"] == me["resource_id"]
    assert await owner.ok("ts.rtl.get", {"id": ritual["id"]}) == ritual


@pytest.mark.parametrize(
    ("every", "due"),
    [("30m", "2026-11-23T10:30:00Z"), ("2h", "2026-11-23T12:00:00Z"), ("1d", "2026-11-24T10:00:00Z"),
     ("2w", "2026-12-07T10:00:00Z")],
)  # fmt: skip
async def test_an_interval_ritual_is_due_that_long_after_its_creation(
    store: Store, owner_key: str, every: str, due: str
) -> None:
    async with connect(store, owner_key, clock=PinnedClock("2026-11-23T10:00:00Z")) as owner:
        ritual = await new_ritual(owner, schedule={"type": "interval", "every": every})
        assert ritual["next_due_at"] == due


async def test_next_due_counts_from_the_latest_run_start(store: Store, owner_key: str) -> None:
    clock = PinnedClock("2026-11-23T10:00:00Z")
    async with connect(store, owner_key, clock=clock) as owner:
        ritual = await new_ritual(owner, schedule={"type": "interval", "every": "2h"})
        clock.set("2026-11-23T11:15:00Z")
        run = await owner.ok("ts.rtr.create", {"ritual_id": ritual["id"]})
        clock.set("2026-11-23T11:20:00Z")
        await owner.ok("ts.rtr.update", {"id": run["id"], "status": "succeeded"})
        got = await owner.ok("ts.rtl.get", {"id": ritual["id"]})
        assert got["last_run_at"] == "2026-11-23T11:15:00Z"
        assert got["next_due_at"] == "2026-11-23T13:15:00Z"
        listed = await owner.ok("ts.rtl.list", {})
        assert listed["rituals"][0]["next_due_at"] == "2026-11-23T13:15:00Z"


async def test_a_cron_ritual_is_due_at_the_next_matching_time(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key, clock=PinnedClock("2026-11-23T10:00:00Z")) as owner:
        # 2026-11-23 is a Monday: the next Monday 09:00 UTC is a week later.
        ritual = await new_ritual(owner, schedule={"type": "cron", "expression": "0 9 * * 1"})
        assert ritual["next_due_at"] == "2026-11-30T09:00:00Z"
        quarter = await new_ritual(owner, schedule={"type": "cron", "expression": "*/15  *  * * *"})
        assert quarter["schedule"] == {"type": "cron", "expression": "*/15 * * * *"}
        assert quarter["next_due_at"] == "2026-11-23T10:15:00Z"


async def test_list_due_answers_what_is_due_now_most_overdue_first(store: Store, owner_key: str) -> None:
    clock = PinnedClock("2026-11-23T08:00:00Z")
    async with connect(store, owner_key, clock=clock) as owner:
        hourly = await new_ritual(owner, name="hourly", schedule={"type": "interval", "every": "1h"})
        daily = await new_ritual(owner, name="daily", schedule={"type": "interval", "every": "1d"})
        await new_ritual(owner, name="monday", schedule={"type": "cron", "expression": "30 8 * * 1"})
        await new_ritual(owner, name="manual")
        await new_ritual(owner, name="off", schedule={"type": "interval", "every": "1m"}, is_enabled=False)

        async def names(**filters: object) -> list[str]:
            page = await owner.ok("ts.rtl.list", filters)
            assert page["total"] == len(page["rituals"])
            return [r["name"] for r in page["rituals"]]

        assert await names(due=True) == []
        clock.set("2026-11-23T10:00:00Z")  # hourly due since 09:00, monday since 08:30
        assert await names(due=True) == ["monday", "hourly"]
        assert await names(due=False) == ["off", "manual", "daily"]
        run = await owner.ok("ts.rtr.create", {"ritual_id": hourly["id"]})
        await owner.ok("ts.rtr.update", {"id": run["id"], "status": "succeeded"})
        assert await names(due=True) == ["monday"]
        assert await names(due=True, search="daily") == []
        clock.set("2026-11-24T09:00:00Z")
        assert await names(due=True) == ["monday", "hourly", "daily"]  # due since 08:30, 11:00, today 08:00
        third = await owner.ok("ts.rtl.list", {"due": True, "limit": 1, "offset": 2})
        assert [r["id"] for r in third["rituals"]] == [daily["id"]] and third["total"] == 3


async def test_disabled_and_archived_rituals_are_never_due(owner: Agent) -> None:
    disabled = await new_ritual(owner, schedule={"type": "interval", "every": "1d"}, is_enabled=False)
    assert "next_due_at" not in disabled
    ritual = await new_ritual(owner, schedule={"type": "interval", "every": "1d"})
    assert "next_due_at" in ritual
    await owner.ok("ts.rtl.update", {"id": ritual["id"], "status": "archived"})
    archived = await owner.ok("ts.rtl.get", {"id": ritual["id"]})
    assert "next_due_at" not in archived and archived["archived_at"]


@pytest.mark.parametrize(
    ("schedule", "loc", "words"),
    [
        ({"type": "weekly"}, ["schedule"], '"type" is "manual", "interval"'),
        ({"every": "1d"}, ["schedule"], '"type" is "manual", "interval"'),
        ({"type": "interval", "every": "90s"}, ["schedule", "every"], "unit m, h, d or w"),
        ({"type": "interval", "every": "0m"}, ["schedule", "every"], "whole number"),
        ({"type": "interval"}, ["schedule", "every"], "required"),
        ({"type": "cron", "expression": "0 9 * * 1 2026"}, ["schedule", "expression"], "exactly 5 fields"),
        ({"type": "cron", "expression": "61 * * * *"}, ["schedule", "expression"], "not a valid cron"),
        ({"type": "cron", "expression": "@daily"}, ["schedule", "expression"], "exactly 5 fields"),
        ({"type": "manual", "every": "1d"}, ["schedule", "every"], "not accepted in schedule"),
        ("daily", ["schedule"], "must be an object"),
    ],
)
async def test_a_bad_schedule_is_invalid_input_naming_the_problem(
    owner: Agent, schedule: object, loc: list[str], words: str
) -> None:
    error = await owner.err("ts.rtl.create", {"name": "n", "prompt": "p", "schedule": schedule})
    assert error["code"] == "invalid_input"
    assert any(d["loc"] == loc and words.lower() in d["msg"].lower() for d in error["details"]), error
    assert (await owner.ok("ts.rtl.list", {}))["total"] == 0


async def test_list_filters_by_endeavour_enabled_status_and_search(owner: Agent) -> None:
    edv = await owner.ok("ts.edv.create", {"name": "Ops"})
    a = await new_ritual(owner, name="Daily health check", endeavour_id=edv["id"])
    b = await new_ritual(owner, name="Backlog triage", is_enabled=False)
    c = await new_ritual(owner, name="Release notes")
    await owner.ok("ts.rtl.update", {"id": c["id"], "status": "archived"})

    async def ids(**filters: object) -> list[str]:
        page = await owner.ok("ts.rtl.list", filters)
        assert page["total"] == len(page["rituals"])
        return [r["id"] for r in page["rituals"]]

    assert await ids() == [c["id"], b["id"], a["id"]]
    assert await ids(endeavour_id=edv["id"]) == [a["id"]]
    assert await ids(is_enabled=False) == [b["id"]]
    assert await ids(status="archived") == [c["id"]]
    assert await ids(search="triage") == [b["id"]]
    assert (await owner.ok("ts.rtl.list", {"limit": 1, "offset": 1}))["rituals"][0]["id"] == b["id"]


async def test_update_changes_only_what_is_sent_in_declared_order(owner: Agent) -> None:
    edv = await owner.ok("ts.edv.create", {"name": "Ops"})
    ritual = await new_ritual(owner, endeavour_id=edv["id"], metadata={"a": 1})
    ack = await owner.ok(
        "ts.rtl.update",
        {"metadata": {"b": 2}, "endeavour_id": "", "is_enabled": False, "id": ritual["id"], "name": "Triage"},
    )
    assert ack["id"] == ritual["id"] and ack["updated_fields"] == ["name", "is_enabled", "endeavour_id", "metadata"]
    got = await owner.ok("ts.rtl.get", {"id": ritual["id"]})
    assert got["name"] == "Triage" and got["is_enabled"] is False and "endeavour_id" not in got
    assert got["metadata"] == {"b": 2} and got["prompt"] == PROMPT and got["description"] == ritual["description"]
    await owner.ok("ts.rtl.update", {"id": ritual["id"], "schedule": {"type": "interval", "every": "1w"}})
    assert (await owner.ok("ts.rtl.get", {"id": ritual["id"]}))["schedule"] == {"type": "interval", "every": "1w"}


async def test_the_prompt_cannot_be_changed_and_the_error_says_what_to_do(owner: Agent) -> None:
    ritual = await new_ritual(owner)
    error = await owner.err("ts.rtl.update", {"id": ritual["id"], "prompt": "Something else"})
    assert error["code"] == "invalid_input"
    assert error["details"][0]["loc"] == ["prompt"] and "ts.rtl.create" in error["details"][0]["hint"]
    assert (await owner.ok("ts.rtl.get", {"id": ritual["id"]}))["prompt"] == PROMPT


async def test_archive_and_reactivate_and_a_move_to_the_same_status_is_refused(owner: Agent) -> None:
    ritual = await new_ritual(owner)
    same = await owner.err("ts.rtl.update", {"id": ritual["id"], "status": "active"})
    assert same["code"] == "invalid_transition"
    assert same["details"] == {"current_status": "active", "requested_status": "active", "allowed": ["archived"]}
    await owner.ok("ts.rtl.update", {"id": ritual["id"], "status": "archived"})
    again = await owner.err("ts.rtl.update", {"id": ritual["id"], "status": "archived"})
    assert again["code"] == "invalid_transition" and again["details"]["allowed"] == ["active"]
    await owner.ok("ts.rtl.update", {"id": ritual["id"], "status": "active"})
    back = await owner.ok("ts.rtl.get", {"id": ritual["id"]})
    assert back["status"] == "active" and "archived_at" not in back


async def test_refusals_name_the_field_and_change_nothing(owner: Agent) -> None:
    assert (await owner.err("ts.rtl.create", {"name": "n"}))["details"][0]["loc"] == ["prompt"]
    missing = await owner.err("ts.rtl.create", {"name": "n", "prompt": "p", "endeavour_id": "edv_nope"})
    assert missing["code"] == "not_found"
    assert (await owner.err("ts.rtl.get", {"id": "rtl_nope"}))["code"] == "not_found"
    ritual = await new_ritual(owner)
    nothing = await owner.err("ts.rtl.update", {"id": ritual["id"]})
    assert nothing["code"] == "invalid_input" and "No fields to update" in nothing["message"]
    edv = await owner.ok("ts.edv.create", {"name": "Old"})
    await owner.ok("ts.edv.update", {"id": edv["id"], "status": "archived"})
    closed = await owner.err("ts.rtl.update", {"id": ritual["id"], "endeavour_id": edv["id"]})
    assert closed["code"] == "invalid_input" and closed["details"][0]["loc"] == ["endeavour_id"]
    assert await owner.ok("ts.rtl.get", {"id": ritual["id"]}) == ritual


async def test_viewers_read_rituals_but_cannot_create_or_change_them(owner: Agent, store: Store) -> None:
    ritual = await new_ritual(owner)
    async with as_role(owner, store, "viewer") as (viewer, _):
        assert (await viewer.ok("ts.rtl.get", {"id": ritual["id"]}))["id"] == ritual["id"]
        assert (await viewer.err("ts.rtl.create", {"name": "n", "prompt": "p"}))["code"] == "forbidden"
        assert (await viewer.err("ts.rtl.update", {"id": ritual["id"], "name": "x"}))["code"] == "forbidden"
