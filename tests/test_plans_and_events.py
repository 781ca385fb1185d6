"""Plans (steps nested under parents, ticked off) and the event log (typed, ordered by insertion,
written by every status change), and resuming a run from one call."""

from __future__ import annotations

import pytest

from tests.conftest import Agent
from tests.test_mission_runs import run_in
from worktrail.domain.lifecycles import PLAN_STEP

pytestmark = pytest.mark.anyio

PLAN = [
    {"step_id": "build", "sequence": 2, "description": "Build the release"},
    {"step_id": "test", "sequence": 1, "description": "Run the tests"},
    {"step_id": "unit", "sequence": 2, "description": "Unit tests", "parent_step_id": "test"},
    {"step_id": "lint", "sequence": 1, "description": "Lint", "parent_step_id": "test"},
]
STEP_PATHS = {"pending": [], "in_progress": ["in_progress"], "completed": ["in_progress", "completed"],
              "failed": ["in_progress", "failed"], "skipped": ["skipped"]}  # fmt: skip


async def planned(owner: Agent) -> dict[str, str]:
    ref = await run_in(owner, "running")
    await owner.ok("ts.pln.create", {**ref, "steps": PLAN})
    return ref


def shape(steps: list[dict]) -> list:
    return [(s["step_id"], shape(s["children"])) for s in steps]


async def test_a_plan_answers_top_level_steps_in_sequence_with_children_nested(owner: Agent) -> None:
    ref = await planned(owner)
    plan = (await owner.ok("ts.pln.get", ref))["data"]
    assert plan["run_id"] == ref["run_id"]
    assert shape(plan["steps"]) == [("test", [("lint", []), ("unit", [])]), ("build", [])]
    assert all(s["status"] == "pending" and s["version"] == 1 for s in plan["steps"])


async def test_a_run_gets_one_plan_then_adds_steps(owner: Agent) -> None:
    ref = await planned(owner)
    again = await owner.err("ts.pln.create", {**ref, "steps": [{"step_id": "x", "sequence": 1, "description": "d"}]})
    assert again["code"] == "conflict" and again["details"]["reason"] == "plan_exists"
    added = await owner.ok("ts.pln.add_steps", {**ref, "steps": [
        {"step_id": "ship", "sequence": 3, "description": "Ship"},
        {"step_id": "notes", "sequence": 1, "description": "Notes", "parent_step_id": "ship"}]})  # fmt: skip
    assert shape(added["data"]["steps"])[-1] == ("ship", [("notes", [])])


@pytest.mark.parametrize(
    ("steps", "loc", "said"),
    [([{"step_id": "a", "sequence": 1, "description": "d"}, {"step_id": "a", "sequence": 2, "description": "d"}],
      ["steps", 1, "step_id"], "already a step"),
     ([{"step_id": "test", "sequence": 1, "description": "d"}], ["steps", 0, "step_id"], "already a step"),
     ([{"step_id": "a", "sequence": 1, "description": "d", "parent_step_id": "ghost"}],
      ["steps", 0, "parent_step_id"], "not a step"),
     ([{"step_id": "a", "sequence": 1, "description": "d", "parent_step_id": "b"},
       {"step_id": "b", "sequence": 1, "description": "d", "parent_step_id": "a"}],
      ["steps", 0, "parent_step_id"], "cycle")],
)  # fmt: skip
async def test_duplicates_unknown_parents_and_cycles_are_refused_naming_the_step(
    owner: Agent, steps: list, loc: list, said: str
) -> None:
    ref = await planned(owner)
    refused = await owner.err("ts.pln.add_steps", {**ref, "steps": steps})
    assert refused["code"] == "invalid_input" and refused["details"][0]["loc"] == loc
    assert said in refused["details"][0]["msg"] and refused["details"][0]["step_id"] == steps[loc[1]]["step_id"]
    assert len((await owner.ok("ts.pln.get", ref))["data"]["steps"]) == 2  # nothing added


@pytest.mark.parametrize(("current", "requested"), [(a, b) for a in PLAN_STEP.states for b in PLAN_STEP.states])
async def test_every_step_move_is_allowed_or_refused_as_declared(owner: Agent, current: str, requested: str) -> None:
    ref = await planned(owner)
    step = {**ref, "step_id": "build"}
    for status in STEP_PATHS[current]:
        await owner.ok("ts.pln.update_step", {**step, "status": status})
    is_error, answer = await owner.call("ts.pln.update_step", {**step, "status": requested})
    if requested in PLAN_STEP.allowed(current):
        assert not is_error, answer
        moved = answer["data"]
        assert moved["status"] == requested
        assert ("completed_at" in moved) == (requested in PLAN_STEP.terminal)
        assert ("started_at" in moved) == (requested == "in_progress" or "in_progress" in STEP_PATHS[current])
    else:
        assert is_error and answer["error"]["code"] == "invalid_transition"
        assert answer["error"]["details"]["allowed"] == list(PLAN_STEP.allowed(current))
        assert (await owner.ok("ts.pln.get_step", step))["data"]["status"] == current


async def test_step_moves_write_their_events_in_the_run_log(owner: Agent) -> None:
    ref = await planned(owner)
    step = {**ref, "step_id": "lint"}
    await owner.ok("ts.pln.update_step", {**step, "status": "in_progress"})
    await owner.ok("ts.pln.update_step", {**step, "status": "pending"})
    await owner.ok("ts.pln.update_step", {**step, "status": "in_progress"})
    await owner.ok("ts.pln.update_step", {**step, "status": "failed"})
    await owner.ok("ts.pln.update_step", {**ref, "step_id": "unit", "status": "skipped"})
    log = (await owner.ok("ts.evt.list", {"run_id": ref["run_id"]}))["data"]
    assert [(e["type"], e.get("step_id")) for e in log] == [
        ("status_change", None), ("step_started", "lint"), ("status_change", "lint"), ("step_started", "lint"),
        ("step_failed", "lint"), ("status_change", "unit"),
    ]  # fmt: skip


async def test_a_finished_runs_steps_are_frozen(owner: Agent) -> None:
    ref = await planned(owner)
    await owner.ok("ts.mrn.update", {**ref, "status": "succeeded"})
    refused = await owner.err("ts.pln.update_step", {**ref, "step_id": "build", "status": "in_progress"})
    assert refused["code"] == "invalid_transition" and refused["details"]["current_status"] == "succeeded"
    more = await owner.err("ts.pln.add_steps", {**ref, "steps": [{"step_id": "z", "sequence": 9, "description": "d"}]})
    assert more["code"] == "invalid_transition"


async def test_a_step_update_is_conditional_on_its_version(owner: Agent) -> None:
    ref = await planned(owner)
    step = {**ref, "step_id": "build"}
    await owner.ok("ts.pln.update_step", {**step, "metadata": {"by": "a"}})
    lost = await owner.err("ts.pln.update_step", {**step, "status": "in_progress", "expected_version": 1})
    assert lost["details"]["reason"] == "version_mismatch" and lost["details"]["changed_fields_since"] == ["metadata"]


async def test_logged_events_are_typed_and_ordered_by_insertion(owner: Agent) -> None:
    ref = await planned(owner)
    for i in range(30):
        await owner.ok("ts.evt.log", {**ref, "type": "tool_call", "summary": f"call {i}", "agent_id": "builder"})
    run_log = (await owner.ok("ts.evt.list", {"run_id": ref["run_id"], "limit": 100}))["data"]
    assert [e["summary"] for e in run_log[1:]] == [f"call {i}" for i in range(30)]  # within one second, in order
    one = (await owner.ok("ts.evt.get", {"event_id": run_log[5]["event_id"]}))["data"]
    assert one == run_log[5]
    by_agent = await owner.ok("ts.evt.list", {"agent_id": "builder", "limit": 1})
    assert by_agent["data"][0]["summary"] == "call 29" and by_agent["meta"]["total"] == 30  # newest first
    bad = await owner.err("ts.evt.log", {**ref, "type": "gossip", "summary": "x"})
    assert bad["code"] == "invalid_input" and "status_change" in bad["message"]
    unknown_step = await owner.err("ts.evt.log", {**ref, "type": "message", "summary": "x", "step_id": "nope"})
    assert unknown_step["details"][0]["loc"] == ["step_id"]


async def test_one_call_tells_an_agent_where_its_run_stands(owner: Agent) -> None:
    ref = await planned(owner)
    await owner.ok("ts.pln.update_step", {**ref, "step_id": "lint", "status": "in_progress"})
    await owner.ok("ts.pln.update_step", {**ref, "step_id": "lint", "status": "completed"})
    for i in range(25):
        await owner.ok("ts.evt.log", {**ref, "type": "message", "summary": f"note {i}"})
    state = await owner.ok("ts.mrn.get", {**ref, "include": ["plan", "recent_events"]})
    assert state["data"]["status"] == "running"
    lint = state["plan"]["steps"][0]["children"][0]
    assert (lint["step_id"], lint["status"]) == ("lint", "completed")
    recent = state["recent_events"]
    assert len(recent) == 20 and recent[-1]["summary"] == "note 24" and recent[0]["summary"] == "note 5"
    bare = await owner.ok("ts.mrn.get", ref)
    assert set(bare) == {"data"}
