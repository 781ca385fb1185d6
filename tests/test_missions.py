"""Missions: definitions created, read, listed, updated, cloned and deleted (with their runs,
plans and events, never while a run is unfinished); and event logging retried from several
server processes at once logs once."""

from __future__ import annotations

import sys

import anyio
import pytest
from mcp import Client, StdioServerParameters

from tests.conftest import Agent, as_role, scalar
from tests.test_mission_runs import run_in
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio


async def count(store: Store, table: str) -> int:
    return int(await scalar(store, f"SELECT COUNT(*) FROM {table}"))


async def test_a_mission_is_defined_read_listed_and_updated(owner: Agent) -> None:
    made = (await owner.ok("ts.msn.create", {"name": "Triage", "instructions": "Sort the inbox.",
                                             "model": "claude-sonnet-4"}))["data"]  # fmt: skip
    assert made["execution_mode"] == "external" and made["version"] == 1 and len(made["mission_id"]) == 36
    assert (await owner.ok("ts.msn.get", {"mission_id": made["mission_id"]}))["data"] == made
    updated = await owner.ok("ts.msn.update", {"mission_id": made["mission_id"], "execution_mode": "managed"})
    assert updated["data"]["execution_mode"] == "managed" and updated["data"]["version"] == 2
    await owner.ok("ts.msn.create", {"name": "Release"})
    found = await owner.ok("ts.msn.list", {"search": "tria"})
    assert [m["name"] for m in found["data"]] == ["Triage"] and found["meta"]["total"] == 1
    assert (await owner.err("ts.msn.update", {"mission_id": made["mission_id"]}))["code"] == "invalid_input"
    stale = await owner.err("ts.msn.update", {"mission_id": made["mission_id"], "name": "x", "expected_version": 1})
    assert stale["details"]["changed_fields_since"] == ["execution_mode"]


async def test_a_clone_copies_the_definition_and_no_runs(owner: Agent) -> None:
    source = (await owner.ok("ts.msn.create", {"name": "Triage", "instructions": "Sort.", "metadata": {"a": 1}}))[
        "data"
    ]
    await run_in(owner, "running", source["mission_id"])
    copy = (await owner.ok("ts.msn.clone", {"mission_id": source["mission_id"]}))["data"]
    assert copy["name"] == "Triage (copy)" and copy["instructions"] == "Sort." and copy["metadata"] == {"a": 1}
    assert copy["mission_id"] != source["mission_id"]
    assert (await owner.ok("ts.mrn.list", {"mission_id": copy["mission_id"]}))["meta"]["total"] == 0
    named = (await owner.ok("ts.msn.clone", {"mission_id": source["mission_id"], "name": "Triage 2"}))["data"]
    assert named["name"] == "Triage 2"


async def test_delete_waits_for_unfinished_runs_then_removes_everything(owner: Agent, store: Store) -> None:
    ref = await run_in(owner, "running")
    await owner.ok("ts.pln.create", {**ref, "steps": [{"step_id": "s", "sequence": 1, "description": "d"}]})
    refused = await owner.err("ts.msn.delete", {"mission_id": ref["mission_id"]})
    assert refused["code"] == "conflict" and refused["details"]["run_ids"] == [ref["run_id"]]
    await owner.ok("ts.mrn.cancel", ref)
    gone = await owner.ok("ts.msn.delete", {"mission_id": ref["mission_id"]})
    assert gone["data"] == {"mission_id": ref["mission_id"], "deleted": True, "runs_deleted": 1}
    assert [await count(store, t) for t in ("mission", "mission_run", "plan_step", "mission_event")] == [0, 0, 0, 0]
    trail = await owner.ok("ts.aud.list", {"entity_id": ref["mission_id"]})
    assert trail["records"][-1]["action"] == "delete"
    assert (await owner.err("ts.msn.get", {"mission_id": ref["mission_id"]}))["code"] == "not_found"


async def test_roles_viewers_read_members_work_and_only_the_creator_or_an_admin_deletes(
    owner: Agent, store: Store
) -> None:
    mine = (await owner.ok("ts.msn.create", {"name": "Owner's"}))["data"]["mission_id"]
    async with as_role(owner, store, "viewer") as (viewer, _):
        assert (await viewer.ok("ts.msn.get", {"mission_id": mine}))["data"]["name"] == "Owner's"
        assert (await viewer.err("ts.mrn.create", {"mission_id": mine}))["code"] == "forbidden"
    async with as_role(owner, store, "member") as (member, _):
        await member.ok("ts.mrn.create", {"mission_id": mine})
        assert (await member.err("ts.msn.delete", {"mission_id": mine}))["code"] == "forbidden"
        theirs = (await member.ok("ts.msn.create", {"name": "Member's"}))["data"]["mission_id"]
        assert (await member.ok("ts.msn.delete", {"mission_id": theirs}))["data"]["deleted"]


@pytest.mark.processes
async def test_an_event_logged_at_once_from_four_processes_is_logged_once(
    ledger: str, store: Store, owner_key: str
) -> None:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "worktrail", "serve", "--db", ledger],
        env={"WORKTRAIL_API_KEY": owner_key},
    )  # fmt: skip
    async with Client(params) as client:
        m = (await client.call_tool("ts.msn.create", {"name": "m"})).structured_content["data"]["mission_id"]
        run = await client.call_tool("ts.mrn.create", {"mission_id": m})
        ref = {"mission_id": m, "run_id": run.structured_content["data"]["run_id"]}
    event = {**ref, "type": "tool_call", "summary": "fetched the issue", "idempotency_key": "evt-1"}
    answers = []

    async def window() -> None:
        async with Client(params) as client, anyio.create_task_group() as calls:
            for _ in range(5):
                calls.start_soon(lambda: _log(client, event, answers))

    async with anyio.create_task_group() as group:
        for _ in range(4):
            group.start_soon(window)
    assert len(answers) == 20 and not [a for a in answers if a.is_error]
    assert len({a.structured_content["data"]["event_id"] for a in answers}) == 1
    assert await scalar(store, "SELECT COUNT(*) FROM mission_event WHERE type = 'tool_call'") == 1


async def _log(client: Client, event: dict, answers: list) -> None:
    answers.append(await client.call_tool("ts.evt.log", event))
