"""Executions (seed 002): the status update to the letter (its answer, its errors, settling an
interrupted execution), and the sweep that keeps nothing "running" forever, in memory with a
clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import anyio
import pytest
from mcp import Client
from mcp.types import Implementation

from tests.conftest import Agent, PinnedClock, as_role, connect, scalar
from worktrail.domain.lifecycles import EXECUTION
from worktrail.store.audit import Origin
from worktrail.store.recovery import Durations
from worktrail.store.store import Store
from worktrail.tools.catalog import ALL_TOOLS
from worktrail.tools.context import Serving, Session
from worktrail.tools.registry import Registry
from worktrail.transport.server import build_server

pytestmark = pytest.mark.anyio

SEED_ANSWER = {"success", "execution_id", "previous_status", "current_status", "message"}
QUICK = Durations(timedelta(seconds=30), timedelta(seconds=60), timedelta(minutes=2), timedelta(hours=1))


@asynccontextmanager
async def agent_at(store: Store, api_key: str, clock: PinnedClock, instance: str | None = None) -> AsyncIterator[Agent]:
    """An agent whose server reads this clock and speaks for this instance."""
    session = Session()
    registry = Registry(ALL_TOOLS, store, clock, serving=Serving(instance, QUICK))
    async with Client(build_server(registry, session), client_info=Implementation(name="mcp", version="1")) as client:
        agent = Agent(client, session)
        await agent.ok("ts.auth.login", {"api_key": api_key})
        yield agent


async def test_create_freezes_the_config_and_update_answers_the_seeds_shape(owner: Agent) -> None:
    made = await owner.ok("ts.exe.create", {"config_id": "nightly-import", "config": {"batch": 50},
                                            "trigger_context": {"by": "cron"}})  # fmt: skip
    assert (made["status"], made["config_snapshot"], made["trigger_context"]) == (
        "running",
        {"batch": 50},
        {"by": "cron"},
    )
    answer = await owner.ok("ts.exe.update", {"execution_id": made["execution_id"], "status": "completed"})
    assert set(answer) == SEED_ANSWER and answer["success"] is True
    assert (answer["previous_status"], answer["current_status"]) == ("running", "completed")
    done = await owner.ok("ts.exe.get", {"execution_id": made["execution_id"]})
    assert done["finished_at"] and done["config_snapshot"] == {"batch": 50}


@pytest.mark.parametrize("target", ["cancelled", "failed", "completed"])
@pytest.mark.parametrize("final", [s for s in EXECUTION.states if not EXECUTION.allowed(s)])
async def test_a_final_execution_refuses_every_update(owner: Agent, target: str, final: str) -> None:
    e = (await owner.ok("ts.exe.create", {"config_id": "c"}))["execution_id"]
    await owner.ok("ts.exe.update", {"execution_id": e, "status": final})
    refused = await owner.err("ts.exe.update", {"execution_id": e, "status": target})
    assert refused["code"] == "invalid_transition"
    assert refused["details"] == {"current_status": final, "requested_status": target, "allowed": []}


@pytest.mark.parametrize(
    ("arguments", "code"),
    [({"execution_id": "nope", "status": "failed"}, "not_found"), ({"status": "running"}, "invalid_input"),
     ({"status": "interrupted"}, "invalid_input"), ({}, "invalid_input"),
     ({"status": "completed", "error_info": {"why": "x"}}, "invalid_input")],
)  # fmt: skip
async def test_the_seeds_errors(owner: Agent, arguments: dict, code: str) -> None:
    e = (await owner.ok("ts.exe.create", {"config_id": "c"}))["execution_id"]
    refused = await owner.err("ts.exe.update", {"execution_id": e, **arguments})
    assert refused["code"] == code
    assert (await owner.ok("ts.exe.get", {"execution_id": e}))["status"] == "running"


async def test_an_execution_whose_process_is_gone_is_interrupted_then_settled(
    store: Store, owner_key: str, ledger: str
) -> None:
    clock = PinnedClock("2026-05-01T10:00:00Z")
    await store.recovery.register("instance-a", 1, "2026-05-01T10:00:00Z")
    async with agent_at(store, owner_key, clock, "instance-a") as a:
        e = (await a.ok("ts.exe.create", {"config_id": "c"}))["execution_id"]
        assert (await a.ok("ts.exe.get", {"execution_id": e}))["instance_id"] == "instance-a"
        clock.set("2026-05-01T10:05:00Z")  # quiet for 5 minutes, but its process is still beating
        await store.recovery.beat("instance-a", "2026-05-01T10:04:50Z")
        assert (await a.ok("ts.run.sweep"))["changed"] == []
        clock.set("2026-05-01T10:06:00Z")  # the process has not beaten for 70 s: gone
        stale = await a.ok("ts.run.stale")
        assert [(c["kind"], c["id"], c["from"], c["to"]) for c in stale["candidates"]] == [
            ("execution", e, "running", "interrupted")]  # fmt: skip
        assert (await a.ok("ts.exe.get", {"execution_id": e}))["status"] == "running"  # stale changes nothing
        swept = await a.ok("ts.run.sweep")
        assert [c["id"] for c in swept["changed"]] == [e] and "process" in swept["changed"][0]["reason"]
        interrupted = await a.ok("ts.exe.get", {"execution_id": e})
        assert interrupted["status"] == "interrupted" and "finished_at" not in interrupted  # not final
        settled = await a.ok("ts.exe.update", {"execution_id": e, "status": "failed", "error_info": {"why": "lost"}})
        assert (settled["previous_status"], settled["current_status"]) == ("interrupted", "failed")
        trail = await a.ok("ts.aud.list", {"entity_id": e})
        assert [r["action"] for r in trail["records"]] == ["create", "sweep", "update"]
        assert "process" in trail["records"][1]["changes"]["reason"][1]


async def test_a_heartbeating_execution_is_never_interrupted(store: Store, owner_key: str) -> None:
    clock = PinnedClock("2026-05-01T10:00:00Z")
    async with agent_at(store, owner_key, clock, None) as a:  # `worktrail call`: no instance at all
        e = (await a.ok("ts.exe.create", {"config_id": "c"}))["execution_id"]
        for minute in range(1, 10):
            clock.set(f"2026-05-01T10:0{minute}:00Z")
            beat = await a.ok("ts.exe.heartbeat", {"execution_id": e, "progress": {"minute": minute}})
            assert beat["status"] == "running"
            assert (await a.ok("ts.run.sweep"))["changed"] == []
        assert (await a.ok("ts.exe.get", {"execution_id": e}))["progress"] == {"minute": 9}
        clock.set("2026-05-01T10:12:00Z")  # no heartbeat for 3 minutes
        assert [c["id"] for c in (await a.ok("ts.run.sweep"))["changed"]] == [e]


async def test_other_runs_follow_their_lifecycles_stale_move_and_pending_ones_wait(
    store: Store, owner_key: str
) -> None:
    clock = PinnedClock("2026-05-01T10:00:00Z")
    async with agent_at(store, owner_key, clock) as a:
        ritual = (await a.ok("ts.rtl.create", {"name": "r", "prompt": "p"}))["id"]
        rtr = (await a.ok("ts.rtr.create", {"ritual_id": ritual}))["id"]
        m = (await a.ok("ts.msn.create", {"name": "m"}))["data"]["mission_id"]
        running = (await a.ok("ts.mrn.create", {"mission_id": m}))["data"]["run_id"]
        paused = (await a.ok("ts.mrn.create", {"mission_id": m}))["data"]["run_id"]
        await a.ok("ts.mrn.pause", {"mission_id": m, "run_id": paused})
        pending = (await a.ok("ts.mrn.create", {"mission_id": m, "start": False}))["data"]["run_id"]
        kept = (await a.ok("ts.mrn.create", {"mission_id": m}))["data"]["run_id"]
        w = (await a.ok("ts.wfl.create", {"name": "w", "main_prompt": "p"}))["id"]
        wrn = (await a.ok("ts.wrn.create", {"workflow_id": w}))["id"]
        await a.ok("ts.wrn.update", {"id": wrn, "status": "running"})
        waiting = (await a.ok("ts.wrn.create", {"workflow_id": w}))["id"]
        clock.set("2026-05-01T10:50:00Z")
        await a.ok("ts.evt.log", {"mission_id": m, "run_id": kept, "type": "message", "summary": "still here"})
        clock.set("2026-05-01T11:10:00Z")  # over an hour since anything but `kept` was touched
        assert (await a.ok("ts.run.stale", {"older_than": "2h"}))["candidates"] == []
        swept = {c["id"]: (c["kind"], c["from"], c["to"]) for c in (await a.ok("ts.run.sweep"))["changed"]}
        assert swept == {rtr: ("ritual_run", "running", "failed"), running: ("mission_run", "running", "failed"),
                         paused: ("mission_run", "paused", "failed"), wrn: ("workflow_run", "running", "error")}  # fmt: skip
        failed = await a.ok("ts.rtr.get", {"id": rtr})
        assert failed["error"]["code"] == "interrupted" and failed["finished_at"] == "2026-05-01T11:10:00Z"
        lost = (await a.ok("ts.mrn.get", {"mission_id": m, "run_id": paused}))["data"]
        assert "stale" in lost["error"] and lost["finished_at"]
        ended = await a.ok("ts.wrn.get", {"id": wrn})
        assert ended["status"] == "error" and "stale" in ended["error"][-1] and ended["ended_at"]
        untouched = [
            (await a.ok("ts.mrn.get", {"mission_id": m, "run_id": r}))["data"]["status"] for r in (pending, kept)
        ]
        assert untouched == ["pending", "running"]
        assert (await a.ok("ts.wrn.get", {"id": waiting}))["status"] == "scheduling"
        assert (await a.ok("ts.run.sweep"))["changed"] == []  # nothing is done twice


async def test_a_heartbeat_keeps_any_run_alive_and_a_finished_one_takes_none(store: Store, owner_key: str) -> None:
    clock = PinnedClock("2026-05-01T10:00:00Z")
    async with agent_at(store, owner_key, clock) as a:
        ritual = (await a.ok("ts.rtl.create", {"name": "r", "prompt": "p"}))["id"]
        run = (await a.ok("ts.rtr.create", {"ritual_id": ritual}))["id"]
        clock.set("2026-05-01T10:59:00Z")
        await a.ok("ts.run.heartbeat", {"kind": "ritual_run", "id": run})
        clock.set("2026-05-01T11:30:00Z")
        assert (await a.ok("ts.run.sweep"))["changed"] == []
        await a.ok("ts.rtr.update", {"id": run, "status": "succeeded"})
        refused = await a.err("ts.run.heartbeat", {"kind": "ritual_run", "id": run})
        assert refused["code"] == "invalid_transition" and refused["details"]["current_status"] == "succeeded"


async def test_two_stores_sweeping_at_once_change_each_run_once(ledger: str, owner_key: str, store: Store) -> None:
    clock = PinnedClock("2026-05-01T10:00:00Z")
    async with agent_at(store, owner_key, clock) as a:
        made = [(await a.ok("ts.exe.create", {"config_id": f"c{i}"}))["execution_id"] for i in range(20)]
    later = PinnedClock("2026-05-01T11:00:00Z").now()
    others = [await Store.open(ledger) for _ in range(3)]
    results: list[list[dict]] = []
    try:

        async def sweep(s: Store) -> None:
            results.append(await s.recovery.sweep(Origin(None, "test", "2026-05-01T11:00:00Z"), later, QUICK))

        async with anyio.create_task_group() as group:
            for s in [store, *others]:
                group.start_soon(sweep, s)
    finally:
        for s in others:
            await s.close()
    assert sorted(c["id"] for r in results for c in r) == sorted(made)
    assert await scalar(store, "SELECT COUNT(*) FROM change_record WHERE action = 'sweep'") == 20


async def test_sweeping_needs_an_admin(owner: Agent, store: Store) -> None:
    async with as_role(owner, store, "member") as (member, _):
        assert (await member.err("ts.run.sweep"))["code"] == "forbidden"
        assert (await member.ok("ts.run.stale"))["durations"]["stale_after"] == "1h", "as the help writes it"


async def test_connect_helper_serves_the_executions_toolset(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key) as agent:
        names = {t.name for t in (await agent.client.list_tools()).tools}
    assert {"ts.exe.update", "ts.run.sweep", "ts.run.heartbeat"} <= names
