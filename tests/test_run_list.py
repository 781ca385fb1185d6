"""ts.run.list: every run of every kind in one list, newest first, each with the status all runs
share (declared on its lifecycle beside its own) and its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from tests.conftest import Agent, PinnedClock, as_role
from tests.test_executions import agent_at
from worktrail.domain.lifecycle import COMMON
from worktrail.domain.lifecycles import EXECUTION, MISSION_RUN, RITUAL_RUN, WORKFLOW_RUN
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio


class Ticking(Agent):
    """An agent whose server's clock moves a second before every call, so each run is newer."""

    clock: PinnedClock

    async def ok(self, tool: str, arguments: dict | None = None) -> dict:  # type: ignore[type-arg]
        self.clock.moment += timedelta(seconds=1)
        return await super().ok(tool, arguments)


@pytest.fixture
async def owner(store: Store, owner_key: str) -> AsyncIterator[Agent]:
    clock = PinnedClock("2026-12-01T09:00:00Z")
    async with agent_at(store, owner_key, clock) as agent:
        ticking = Ticking(agent.client, agent.session)
        ticking.clock = clock
        yield ticking


async def one_of_each(owner: Agent) -> dict[str, str]:
    """A run of each kind, a second apart, oldest first: ritual, mission, workflow, execution."""
    ritual = await owner.ok("ts.rtl.create", {"name": "Standup", "prompt": "Say what you did."})
    ritual_run = await owner.ok("ts.rtr.create", {"ritual_id": ritual["id"]})
    mission = (await owner.ok("ts.msn.create", {"name": "Ship"}))["data"]["mission_id"]
    mission_run = (await owner.ok("ts.mrn.create", {"mission_id": mission, "start": False}))["data"]["run_id"]
    workflow = await owner.ok("ts.wfl.create", {"name": "Report", "main_prompt": "Write the report."})
    workflow_run = await owner.ok("ts.wrn.create", {"workflow_id": workflow["id"]})
    execution = await owner.ok("ts.exe.create", {"config_id": "nightly"})
    return {"ritual_run": ritual_run["id"], "mission_run": mission_run,
            "workflow_run": workflow_run["id"], "execution": execution["execution_id"]}  # fmt: skip


async def test_every_kind_in_one_list_newest_first_with_both_statuses(owner: Agent) -> None:
    ids = await one_of_each(owner)
    listed = await owner.ok("ts.run.list", {})
    assert listed["total"] == 4
    assert [(r["kind"], r["id"]) for r in listed["runs"]] == [(k, ids[k]) for k in reversed(list(ids))]
    by_kind = {r["kind"]: r for r in listed["runs"]}
    assert (by_kind["mission_run"]["status"], by_kind["mission_run"]["native_status"]) == ("queued", "pending")
    assert (by_kind["workflow_run"]["status"], by_kind["workflow_run"]["native_status"]) == ("queued", "scheduling")
    assert by_kind["execution"]["status"] == by_kind["ritual_run"]["status"] == "running"
    assert by_kind["execution"]["parent_id"] == "nightly"
    assert set(by_kind["execution"]) == {"kind", "id", "status", "native_status", "parent_id", "started_at",
                                         "updated_at"}  # fmt: skip
    assert "started_at" not in by_kind["workflow_run"]  # queued: not started yet
    await owner.ok("ts.run.heartbeat", {"kind": "execution", "id": ids["execution"]})
    beat = (await owner.ok("ts.run.list", {"kind": "execution"}))["runs"][0]
    assert beat["last_heartbeat_at"] >= beat["started_at"]


async def test_filters_by_kind_and_by_shared_status_and_pages(owner: Agent) -> None:
    ids = await one_of_each(owner)
    running = await owner.ok("ts.run.list", {"status": "running"})
    assert {r["id"] for r in running["runs"]} == {ids["ritual_run"], ids["execution"]} and running["total"] == 2
    await owner.ok("ts.exe.update", {"execution_id": ids["execution"], "status": "completed"})
    await owner.ok("ts.rtr.update", {"id": ids["ritual_run"], "status": "skipped"})
    succeeded = await owner.ok("ts.run.list", {"status": "succeeded"})
    assert {(r["kind"], r["native_status"]) for r in succeeded["runs"]} == {("execution", "completed"),
                                                                          ("ritual_run", "skipped")}  # fmt: skip
    only = await owner.ok("ts.run.list", {"kind": "workflow_run"})
    assert [r["id"] for r in only["runs"]] == [ids["workflow_run"]] and only["total"] == 1
    assert (await owner.ok("ts.run.list", {"status": "interrupted"}))["runs"] == []
    pages = [await owner.ok("ts.run.list", {"limit": 1, "offset": n}) for n in range(4)]
    assert [p["runs"][0]["id"] for p in pages] == [ids[k] for k in reversed(list(ids))]
    assert {p["total"] for p in pages} == {4}


async def test_bad_filters_name_the_field_and_the_choices(owner: Agent) -> None:
    refused = await owner.err("ts.run.list", {"status": "done"})
    assert refused["code"] == "invalid_input" and "status" in refused["message"] and "succeeded" in refused["message"]


async def test_a_viewer_may_list_runs(owner: Agent, store: Store) -> None:
    await one_of_each(owner)
    async with as_role(owner, store, "viewer") as (viewer, _):
        assert (await viewer.ok("ts.run.list", {}))["total"] == 4


@pytest.mark.parametrize("lifecycle", [RITUAL_RUN, MISSION_RUN, WORKFLOW_RUN, EXECUTION], ids=lambda lc: lc.entity)
def test_every_run_state_is_declared_with_a_shared_status(lifecycle) -> None:  # type: ignore[no-untyped-def]
    assert set(lifecycle.common) == set(lifecycle.states)
    assert set(lifecycle.common.values()) <= set(COMMON)
