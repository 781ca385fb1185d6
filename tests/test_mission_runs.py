"""Mission runs (seed 003): every allowed and refused move, the seed's update to the letter, the
action endpoints, the frozen outcome, and the events every status change appends."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import Agent
from worktrail.domain.lifecycles import MISSION_RUN

pytestmark = pytest.mark.anyio

# Seed 003's MissionRunResponse, with its $refs resolved (RunStatus and MissionRunData inline).
RUN_STATUS = {"type": "string", "enum": ["pending", "running", "paused", "succeeded", "failed", "cancelled"]}
MISSION_RUN_RESPONSE = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "data": {
            "type": "object",
            "required": ["run_id", "mission_id", "status", "started_at", "updated_at"],
            "properties": {
                "run_id": {"type": "string", "format": "uuid"},
                "mission_id": {"type": "string", "format": "uuid"},
                "status": RUN_STATUS,
                "input": {"type": "object", "additionalProperties": True},
                "started_at": {"type": "string", "format": "date-time"},
                "finished_at": {"type": "string", "format": "date-time"},
                "result_summary": {"type": "string"},
                "result_payload": {"type": "object", "additionalProperties": True},
                "error": {"type": "string"},
                "metadata": {"type": "object", "additionalProperties": True},
                "updated_at": {"type": "string", "format": "date-time"},
            },
        }
    },
}
SEED_FIELDS = set(MISSION_RUN_RESPONSE["properties"]["data"]["properties"])  # type: ignore[index]
# How to bring a new run to each status (from running).
PATHS = {"pending": [], "running": [], "paused": ["paused"], "succeeded": ["succeeded"], "failed": ["failed"],
         "cancelled": ["cancelled"]}  # fmt: skip
ALL_MOVES = [(a, b) for a in MISSION_RUN.states for b in MISSION_RUN.states]


def seed_valid(answer: dict[str, Any]) -> None:
    checker = Draft202012Validator(MISSION_RUN_RESPONSE, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [e.message for e in checker.iter_errors(answer)]
    assert errors == [], errors
    assert set(answer["data"]) <= SEED_FIELDS and None not in answer["data"].values()


async def mission(owner: Agent) -> str:
    return (await owner.ok("ts.msn.create", {"name": "Ship the release"}))["data"]["mission_id"]


async def run_in(owner: Agent, status: str, mission_id: str | None = None) -> dict[str, str]:
    m = mission_id or await mission(owner)
    made = await owner.ok("ts.mrn.create", {"mission_id": m, "start": status != "pending"})
    ref = {"mission_id": m, "run_id": made["data"]["run_id"]}
    for step in PATHS[status]:
        await owner.ok("ts.mrn.update", {**ref, "status": step})
    return ref


@pytest.mark.parametrize(("current", "requested"), ALL_MOVES)
async def test_every_move_is_allowed_or_refused_as_declared(owner: Agent, current: str, requested: str) -> None:
    ref = await run_in(owner, current)
    is_error, answer = await owner.call("ts.mrn.update", {**ref, "status": requested})
    if requested in MISSION_RUN.allowed(current):
        assert not is_error, answer
        seed_valid(answer)
        assert answer["data"]["status"] == requested
        assert ("finished_at" in answer["data"]) == (requested in MISSION_RUN.terminal)
    else:
        assert is_error and answer["error"]["code"] == "invalid_transition", answer
        details = answer["error"]["details"]
        assert details["current_status"] == current and details["requested_status"] == requested
        assert details["allowed"] == list(MISSION_RUN.allowed(current))
        got = await owner.ok("ts.mrn.get", ref)
        assert got["data"]["status"] == current  # nothing changed


async def test_the_seed_request_round_trips_and_answers_the_seed_schema(owner: Agent) -> None:
    ref = await run_in(owner, "running")
    request = {"status": "succeeded", "result_summary": "Shipped 3 of 3 steps.",
               "result_payload": {"release": "v1.2.0"}, "metadata": {"source": "seed"}}  # fmt: skip
    answer = await owner.ok("ts.mrn.update", {**ref, **request})
    seed_valid(answer)
    assert {k: answer["data"][k] for k in request} == request
    assert answer["data"]["finished_at"] == answer["data"]["updated_at"]


async def test_a_new_run_is_running_started_now_or_pending(owner: Agent) -> None:
    m = await mission(owner)
    running = await owner.ok("ts.mrn.create", {"mission_id": m, "input": {"goal": "x"}})
    seed_valid(running)
    assert running["data"]["status"] == "running" and running["data"]["input"] == {"goal": "x"}
    pending = await owner.ok("ts.mrn.create", {"mission_id": m, "start": False})
    assert pending["data"]["status"] == "pending" and pending["data"]["started_at"]


async def test_a_pending_runs_start_stamps_started_at_again(owner: Agent) -> None:
    ref = await run_in(owner, "pending")
    created = (await owner.ok("ts.mrn.get", ref))["data"]["started_at"]
    await owner.ok("ts.mrn.update", {**ref, "status": "running"})
    await owner.ok("ts.mrn.update", {**ref, "status": "paused"})
    resumed = (await owner.ok("ts.mrn.resume", ref))["data"]
    assert resumed["started_at"] >= created  # restamped on start, not on resume
    events = (await owner.ok("ts.evt.list", {"run_id": ref["run_id"]}))["data"]
    assert [e["payload"]["to"] for e in events] == ["pending", "running", "paused", "running"]


async def test_error_only_with_the_move_to_failed(owner: Agent) -> None:
    ref = await run_in(owner, "running")
    refused = await owner.err("ts.mrn.update", {**ref, "error": "boom"})
    assert refused["code"] == "invalid_input" and refused["details"][0]["loc"] == ["error"]
    failed = await owner.ok("ts.mrn.update", {**ref, "status": "failed", "error": "boom"})
    assert failed["data"]["error"] == "boom" and failed["data"]["finished_at"]


async def test_a_final_runs_outcome_is_frozen_but_its_metadata_may_change(owner: Agent) -> None:
    ref = await run_in(owner, "succeeded")
    for change in ({"result_summary": "again"}, {"result_payload": {}}, {"status": "failed", "error": "late"}):
        refused = await owner.err("ts.mrn.update", {**ref, **change})
        assert refused["code"] == "invalid_transition" and refused["details"]["allowed"] == []
        assert refused["details"]["current_status"] == "succeeded"
    kept = await owner.ok("ts.mrn.update", {**ref, "metadata": {"note": "post-mortem"}})
    assert kept["data"]["metadata"] == {"note": "post-mortem"} and kept["data"]["status"] == "succeeded"


async def test_a_run_of_another_mission_an_unknown_run_and_an_empty_update(owner: Agent) -> None:
    ref = await run_in(owner, "running")
    other = await mission(owner)
    assert (await owner.err("ts.mrn.get", {"mission_id": other, "run_id": ref["run_id"]}))["code"] == "not_found"
    assert (await owner.err("ts.mrn.update", {**ref, "run_id": "nope", "status": "paused"}))["code"] == "not_found"
    missing = await owner.err("ts.mrn.get", {"mission_id": "nope", "run_id": ref["run_id"]})
    assert missing["code"] == "not_found" and "Mission" in missing["message"]
    assert (await owner.err("ts.mrn.update", ref))["code"] == "invalid_input"


@pytest.mark.parametrize(
    ("action", "start", "end"),
    [("ts.mrn.pause", "running", "paused"), ("ts.mrn.resume", "paused", "running"),
     ("ts.mrn.cancel", "running", "cancelled"), ("ts.mrn.cancel", "paused", "cancelled"),
     ("ts.mrn.cancel", "pending", "cancelled")],
)  # fmt: skip
async def test_the_action_endpoints_move_and_keep_their_reason(owner: Agent, action: str, start: str, end: str) -> None:
    ref = await run_in(owner, start)
    moved = await owner.ok(action, {**ref, "reason": "operator asked"})
    seed_valid(moved)
    assert moved["data"]["status"] == end
    last = (await owner.ok("ts.evt.list", {"run_id": ref["run_id"]}))["data"][-1]
    assert last["type"] == "status_change" and last["payload"] == {"from": start, "to": end, "reason": "operator asked"}


@pytest.mark.parametrize(("action", "start"), [("ts.mrn.pause", "paused"), ("ts.mrn.resume", "pending"),
                                               ("ts.mrn.resume", "running"), ("ts.mrn.cancel", "succeeded")])  # fmt: skip
async def test_an_action_from_a_state_it_does_not_take_is_refused(owner: Agent, action: str, start: str) -> None:
    ref = await run_in(owner, start)
    refused = await owner.err(action, ref)
    assert refused["code"] == "invalid_transition" and refused["details"]["current_status"] == start
    assert (await owner.ok("ts.mrn.get", ref))["data"]["status"] == start


async def test_list_runs_across_missions_newest_first_with_status_filters(owner: Agent) -> None:
    a, b = await mission(owner), await mission(owner)
    first = await run_in(owner, "running", a)
    second = await run_in(owner, "paused", b)
    third = await run_in(owner, "succeeded", a)
    every = (await owner.ok("ts.mrn.list"))["data"]
    assert [r["run_id"] for r in every] == [third["run_id"], second["run_id"], first["run_id"]]
    listed = await owner.ok("ts.mrn.list", {"status": ["running", "paused"]})
    assert listed["meta"] == {"total": 2, "limit": 50, "offset": 0}
    assert [r["run_id"] for r in (await owner.ok("ts.mrn.list", {"mission_id": a, "status": "succeeded"}))["data"]] == [
        third["run_id"]
    ]
