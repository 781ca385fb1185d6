"""ts.name.list: a page's ids named in one call; a run as what it runs and its ordinal there."""

from __future__ import annotations

import pytest

from tests.conftest import PinnedClock, connect
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio


async def test_runs_are_named_by_what_they_run_and_numbered_in_creation_order(store: Store, owner_key: str) -> None:
    clock = PinnedClock("2026-12-07T12:00:00Z")  # runs made in the same second are numbered as stored
    async with connect(store, owner_key, clock=clock) as agent:
        ritual = await agent.ok("ts.rtl.create", {"name": "Nightly triage", "prompt": "Sort the new issues."})
        other = await agent.ok("ts.rtl.create", {"name": "Standup", "prompt": "Say it."})
        runs = [(await agent.ok("ts.rtr.create", {"ritual_id": ritual["id"]}))["id"] for _ in range(3)]
        elsewhere = (await agent.ok("ts.rtr.create", {"ritual_id": other["id"]}))["id"]
        clock.set("2026-12-07T12:00:05Z")
        runs.append((await agent.ok("ts.rtr.create", {"ritual_id": ritual["id"]}))["id"])
        mission = (await agent.ok("ts.msn.create", {"name": "Ship"}))["data"]["mission_id"]
        mrun = (await agent.ok("ts.mrn.create", {"mission_id": mission}))["data"]["run_id"]
        flow = await agent.ok("ts.wfl.create", {"name": "Deploy", "main_prompt": "Deploy it."})
        wrun = (await agent.ok("ts.wrn.create", {"workflow_id": flow["id"]}))["id"]
        execution = (await agent.ok("ts.exe.create", {"config_id": "nightly"}))["execution_id"]
        me = (await agent.ok("ts.auth.whoami"))["resource_id"]
        asked = [runs[3], elsewhere, *runs[:3], mrun, wrun, execution, me, "rtr_000000000000000000000000"]
        named = (await agent.ok("ts.name.list", {"ids": asked}))["names"]
    assert [(n["kind"], n["name"], n.get("number")) for n in named] == [
        ("ritual_run", "Nightly triage", 4), ("ritual_run", "Standup", 1), ("ritual_run", "Nightly triage", 1),
        ("ritual_run", "Nightly triage", 2), ("ritual_run", "Nightly triage", 3), ("mission_run", "Ship", 1),
        ("workflow_run", "Deploy", 1), ("execution", "nightly", 1), ("resource", "owner", None),
    ]  # fmt: skip
    assert named[0]["parent_id"] == ritual["id"] and named[5]["parent_id"] == mission


async def test_no_ids_or_too_many_is_refused_naming_the_field(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key) as agent:
        for ids in ([], ["x"] * 501):
            refused = await agent.err("ts.name.list", {"ids": ids})
            assert refused["code"] == "invalid_input" and "ids" in str(refused["details"])
