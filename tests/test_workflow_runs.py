"""Workflow runs (seed 004): every allowed and refused move, inputs and outputs against their
schemas, the seed's update to the letter, retry in place, bulk runs, and the list's order."""

from __future__ import annotations

import sys
from typing import Any

import anyio
import pytest
from jsonschema import Draft202012Validator
from mcp import Client, StdioServerParameters

from tests.conftest import Agent, as_role, scalar
from worktrail.domain.lifecycles import WORKFLOW_RUN
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio

# Seed 004's response schema (RunResponse), as its documentation gives it.
UUID_OR_NULL = {"anyOf": [{"type": "string", "format": "uuid"}, {"type": "null"}]}
STRINGS_OR_NULL = {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]}
OBJECT_OR_NULL = {"anyOf": [{"type": "object"}, {"type": "null"}]}
RUN_RESPONSE = {
    "type": "object",
    "required": ["workflow_id", "machine_id", "id", "status", "created_at"],
    "properties": {
        "workflow_id": {"type": "string", "format": "uuid"},
        "machine_id": UUID_OR_NULL,
        "id": {"type": "string", "format": "uuid"},
        "user_id": {"anyOf": [{"type": "string"}, {"type": "null"}]},  # worktrail's res_ form (README)
        "organization_id": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "status": {"type": "string", "enum": ["scheduling", "running", "success", "cancelled", "error"]},
        "error": STRINGS_OR_NULL,
        "output_data": OBJECT_OR_NULL,
        "input_attachment_ids": STRINGS_OR_NULL,
        "output_attachment_ids": STRINGS_OR_NULL,
        "run_message_history": {"anyOf": [{"type": "array", "items": {"type": "object"}}, {"type": "null"}]},
        "input_values": OBJECT_OR_NULL,
        "pool_ids": {"anyOf": [{"type": "array", "items": {"type": "string", "format": "uuid"}}, {"type": "null"}]},
        "sensitive_input_aliases": OBJECT_OR_NULL,
        "session_id": UUID_OR_NULL,
        "session_alias": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "release_session_after": {"anyOf": [{"type": "boolean"}, {"type": "null"}]},
        "created_at": {"type": "string", "format": "date-time"},
    },
}
SEED_FIELDS = set(RUN_RESPONSE["properties"])  # type: ignore[arg-type]
INPUT = {"type": "object", "properties": {"customer": {"type": "string"}, "count": {"type": "integer", "minimum": 1}},
         "required": ["customer"], "additionalProperties": False}  # fmt: skip
OUTPUT = {"type": "object", "properties": {"invoice": {"type": "string"}}, "required": ["invoice"]}
PATHS = {"scheduling": [], "running": ["running"], "success": ["running", "success"],
         "error": ["error"], "cancelled": ["cancelled"]}  # fmt: skip


def seed_valid(run: dict[str, Any]) -> None:
    checker = Draft202012Validator(RUN_RESPONSE, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert [e.message for e in checker.iter_errors(run)] == []
    assert SEED_FIELDS <= set(run), "every seed field is present, null where unset"


async def workflow(owner: Agent, **extra: Any) -> str:
    request = {"name": "Invoice", "main_prompt": "Make the invoice.", "input_schema": INPUT, "output_schema": OUTPUT}
    request = {k: v for k, v in {**request, **extra}.items() if v is not None}  # None: without that schema
    return (await owner.ok("ts.wfl.create", request))["id"]


async def run_in(owner: Agent, status: str, workflow_id: str | None = None) -> str:
    w = workflow_id or await workflow(owner)
    run = await owner.ok("ts.wrn.create", {"workflow_id": w, "input_values": {"customer": "ACME"}})
    for step in PATHS[status]:
        extra = {"output_data": {"invoice": "INV-1"}} if step == "success" else {}
        await owner.ok("ts.wrn.update", {"id": run["id"], "status": step, **extra})
    return run["id"]


@pytest.mark.parametrize(("current", "requested"), [(a, b) for a in WORKFLOW_RUN.states for b in WORKFLOW_RUN.states])
async def test_every_move_is_allowed_or_refused_as_declared(owner: Agent, current: str, requested: str) -> None:
    run_id = await run_in(owner, current)
    is_error, answer = await owner.call("ts.wrn.update", {"id": run_id, "status": requested})
    if requested in WORKFLOW_RUN.allowed(current):
        assert not is_error, answer
        seed_valid(answer)
        assert answer["status"] == requested
        assert (answer["ended_at"] is not None) == (requested in WORKFLOW_RUN.terminal)
        assert (answer["started_at"] is not None) == (requested == "running" or "running" in PATHS[current])
    else:
        assert is_error and answer["error"]["code"] == "invalid_transition", answer
        assert answer["error"]["details"]["current_status"] == current
        assert (await owner.ok("ts.wrn.get", {"id": run_id}))["status"] == current


async def test_the_seed_request_round_trips_and_answers_every_seed_field(owner: Agent) -> None:
    run_id = await run_in(owner, "running")
    request = {"status": "success", "error": [], "output_data": {"invoice": "INV-7"}, "output_attachment_ids": [],
               "run_message_history": [{"role": "assistant", "content": "Invoice made."}]}  # fmt: skip
    answer = await owner.ok("ts.wrn.update", {"id": run_id, **request})
    seed_valid(answer)
    assert {k: answer[k] for k in request} == request
    assert answer["machine_id"] is None and answer["user_id"].startswith("res_") and answer["attempt"] == 1


async def test_the_seeds_literal_example_is_refused_and_changes_nothing(owner: Agent) -> None:
    run_id = await run_in(owner, "scheduling")
    before = await owner.ok("ts.wrn.get", {"id": run_id})
    literal = {"status": "scheduling", "error": ["<string>"], "output_data": {}, "output_attachment_ids": ["<string>"],
               "run_message_history": [{}], "input_values": {}}  # fmt: skip
    refused = await owner.err("ts.wrn.update", {"id": run_id, **literal})
    assert refused["code"] in ("invalid_transition", "invalid_input")
    assert await owner.ok("ts.wrn.get", {"id": run_id}) == before


@pytest.mark.parametrize(
    ("inputs", "loc"),
    [({}, ["input_values"]), ({"customer": 5}, ["input_values", "customer"]),
     ({"customer": "x", "count": 0}, ["input_values", "count"]), ({"customer": "x", "extra": 1}, ["input_values"])],
)  # fmt: skip
async def test_inputs_that_break_the_schema_are_refused_with_its_errors(
    owner: Agent, store: Store, inputs: dict, loc: list
) -> None:
    w = await workflow(owner)
    refused = await owner.err("ts.wrn.create", {"workflow_id": w, "input_values": inputs})
    assert refused["code"] == "invalid_input" and refused["details"][0]["loc"] == loc
    assert refused["details"][0]["type"].startswith("json_schema.")
    assert await scalar(store, "SELECT COUNT(*) FROM workflow_run") == 0
    good = await owner.ok("ts.wrn.create", {"workflow_id": w, "input_values": {"customer": "ACME", "count": 2}})
    assert good["input_values"] == {"customer": "ACME", "count": 2}


async def test_outputs_are_checked_and_inputs_change_only_while_scheduling(owner: Agent) -> None:
    run_id = await run_in(owner, "running")
    bad = await owner.err("ts.wrn.update", {"id": run_id, "output_data": {"invoice": 7}})
    assert bad["code"] == "invalid_input" and bad["details"][0]["loc"] == ["output_data", "invoice"]
    late = await owner.err("ts.wrn.update", {"id": run_id, "input_values": {"customer": "B"}})
    assert late["details"][0]["loc"] == ["input_values"]
    early = await run_in(owner, "scheduling")
    assert (await owner.ok("ts.wrn.update", {"id": early, "input_values": {"customer": "B"}}))["input_values"] == {
        "customer": "B"
    }


async def test_a_workflow_refuses_an_invalid_schema(owner: Agent) -> None:
    refused = await owner.err("ts.wfl.create", {"name": "w", "main_prompt": "p", "input_schema": {"type": "nothing"}})
    assert refused["code"] == "invalid_input" and refused["details"][0]["loc"][0] == "input_schema"
    assert "not a valid JSON Schema" in refused["message"]


async def test_output_attachment_ids_must_be_output_attachments_of_the_run(owner: Agent) -> None:
    run_id = await run_in(owner, "running")
    file = {"run_id": run_id, "filename": "in.txt", "content_base64": "aGk=", "kind": "input"}
    given = (await owner.ok("ts.att.create", file))["id"]
    made = (await owner.ok("ts.att.create", {**file, "filename": "out.txt", "kind": "output"}))["id"]
    refused = await owner.err("ts.wrn.update", {"id": run_id, "output_attachment_ids": [made, given]})
    assert refused["details"][0]["loc"] == ["output_attachment_ids", 1] and refused["details"][0]["id"] == given
    done = await owner.ok("ts.wrn.update", {"id": run_id, "output_attachment_ids": [made]})
    assert done["output_attachment_ids"] == [made] and done["input_attachment_ids"] == [given]


async def test_message_history_is_limited_to_4_mib(owner: Agent) -> None:
    run_id = await run_in(owner, "running")
    huge = [{"content": "x" * (1024 * 1024)} for _ in range(5)]
    refused = await owner.err("ts.wrn.update", {"id": run_id, "run_message_history": huge})
    assert refused["code"] == "payload_too_large"


async def test_a_final_run_is_left_only_through_retry_in_place(owner: Agent, ledger: str) -> None:
    run_id = await run_in(owner, "running")
    out = {"run_id": run_id, "filename": "o.txt", "content_base64": "aGk=", "kind": "output"}
    made = (await owner.ok("ts.att.create", out))["id"]
    await owner.ok("ts.wrn.update", {"id": run_id, "status": "error", "error": ["timeout"],
                                     "output_attachment_ids": [made], "run_message_history": [{"m": 1}]})  # fmt: skip
    frozen = await owner.err("ts.wrn.update", {"id": run_id, "output_data": {"invoice": "late"}})
    assert frozen["code"] == "invalid_transition"
    retried = await owner.ok("ts.wrn.retry", {"id": run_id, "input_values": {"customer": "Retry Co"}})
    seed_valid(retried)
    assert (retried["id"], retried["status"], retried["attempt"]) == (run_id, "scheduling", 2)
    assert [retried[k] for k in ("error", "output_data", "run_message_history", "output_attachment_ids",
                                  "started_at", "ended_at")] == [None] * 6  # fmt: skip
    assert retried["input_values"] == {"customer": "Retry Co"}
    assert (await owner.err("ts.att.get", {"id": made}))["code"] == "not_found"
    again = await owner.err("ts.wrn.retry", {"id": run_id})
    assert again["code"] == "invalid_transition" and again["details"]["current_status"] == "scheduling"
    trail = await owner.ok("ts.aud.list", {"entity_id": run_id})
    retry = [r for r in trail["records"] if r["action"] == "retry"][0]
    assert retry["changes"]["error"] == [["timeout"], None]  # the previous attempt stays in the trail


async def test_racing_retries_of_one_run_have_one_winner(owner: Agent) -> None:
    run_id = await run_in(owner, "cancelled")
    results: list[bool] = []

    async def retry() -> None:
        results.append((await owner.call("ts.wrn.retry", {"id": run_id}))[0])

    async with anyio.create_task_group() as group:
        for _ in range(10):
            group.start_soon(retry)
    assert results.count(False) == 1
    assert (await owner.ok("ts.wrn.get", {"id": run_id}))["attempt"] == 2


async def test_bulk_create_is_one_transaction_all_or_nothing(owner: Agent, store: Store) -> None:
    w = await workflow(owner)
    made = await owner.ok("ts.wrn.bulk_create", {"workflow_id": w, "count": 25, "input_values": {"customer": "A"}})
    assert len(made["created_runs"]) == 25 and made["failed_count"] == 0 and made["errors"] == []
    assert len({r["id"] for r in made["created_runs"]}) == 25
    refused = await owner.err("ts.wrn.bulk_create", {"workflow_id": w, "count": 5, "input_values": {}})
    assert refused["code"] == "invalid_input"
    assert (await owner.err("ts.wrn.bulk_create", {"workflow_id": w, "count": 1001}))["code"] == "invalid_input"
    assert await scalar(store, "SELECT COUNT(*) FROM workflow_run") == 25


async def test_list_puts_running_first_then_newest_end_and_projects_fields(owner: Agent) -> None:
    w = await workflow(owner)
    done_first = await run_in(owner, "success", w)
    running = await run_in(owner, "running", w)
    done_last = await run_in(owner, "cancelled", w)
    waiting = await run_in(owner, "scheduling", w)
    listed = await owner.ok("ts.wrn.list", {"workflow_id": w})
    assert [r["id"] for r in listed["items"]] == [running, waiting, done_last, done_first]
    assert (listed["total"], listed["skip"], listed["limit"]) == (4, 0, 50)
    narrow = await owner.ok("ts.wrn.list", {"workflow_id": w, "status": ["success", "cancelled"], "fields": ["status"]})
    assert narrow["items"] == [{"id": done_last, "status": "cancelled"}, {"id": done_first, "status": "success"}]
    unknown = await owner.err("ts.wrn.list", {"fields": ["status", "colour"]})
    assert unknown["code"] == "invalid_input" and "colour" in unknown["message"]


async def test_delete_a_workflow_waits_for_active_runs(owner: Agent) -> None:
    w = await workflow(owner)
    run_id = await run_in(owner, "running", w)
    refused = await owner.err("ts.wfl.delete", {"id": w})
    assert refused["code"] == "conflict" and refused["details"]["run_ids"] == [run_id]
    await owner.ok("ts.wrn.update", {"id": run_id, "status": "cancelled"})
    assert (await owner.ok("ts.wfl.delete", {"id": w}))["runs_deleted"] == 1
    assert (await owner.err("ts.wrn.get", {"id": run_id}))["code"] == "not_found"


async def test_a_member_deletes_only_the_final_runs_it_created(owner: Agent, store: Store) -> None:
    w = await workflow(owner, input_schema=None, output_schema=None)
    theirs = (await owner.ok("ts.wrn.create", {"workflow_id": w, "sensitive_input_values": {"pw": "x"}}))["id"]
    await owner.ok("ts.wrn.update", {"id": theirs, "status": "running"})
    await owner.ok("ts.att.create", {"run_id": theirs, "filename": "a.txt", "kind": "input", "content_base64": "aGk="})
    async with as_role(owner, store, "member") as (member, _):
        refused = await member.err("ts.wrn.delete", {"id": theirs})
        assert refused["code"] == "forbidden" and "creator" in refused["message"]
        kept = await owner.ok("ts.wrn.get", {"id": theirs})
        assert kept["status"] == "running" and len(kept["input_attachment_ids"]) == 1
        assert await scalar(store, "SELECT COUNT(*) FROM workflow_secret") == 1
        mine = (await member.ok("ts.wrn.create", {"workflow_id": w}))["id"]
        not_final = await member.err("ts.wrn.delete", {"id": mine})
        end = {"tool": "ts.wrn.update", "arguments": {"id": mine, "status": "cancelled"}}
        assert not_final["code"] == "conflict" and not_final["details"]["end_with"] == end
        assert f'ts.wrn.update {{"id": "{mine}", "status": "cancelled"}}' in not_final["message"]
        await member.ok(end["tool"], end["arguments"])
        assert (await member.ok("ts.wrn.delete", {"id": mine}))["deleted"]
    refused = await owner.err("ts.wrn.delete", {"id": theirs})  # an owner too ends a run before deleting it
    assert refused["code"] == "conflict" and refused["details"]["current_status"] == "running"


@pytest.mark.processes
async def test_retries_racing_from_three_server_processes_have_one_winner(
    ledger: str, store: Store, owner_key: str
) -> None:
    params = StdioServerParameters(command=sys.executable, args=["-m", "worktrail", "serve", "--db", ledger],
                                   env={"WORKTRAIL_API_KEY": owner_key})  # fmt: skip
    async with Client(params) as client:
        w = (await client.call_tool("ts.wfl.create", {"name": "w", "main_prompt": "p"})).structured_content["id"]
        run = (await client.call_tool("ts.wrn.create", {"workflow_id": w})).structured_content["id"]
        await client.call_tool("ts.wrn.update", {"id": run, "status": "cancelled"})
    won: list[bool] = []

    async def window() -> None:
        async with Client(params) as client, anyio.create_task_group() as calls:
            for _ in range(4):
                calls.start_soon(lambda: _retry(client, run, won))

    async with anyio.create_task_group() as group:
        for _ in range(3):
            group.start_soon(window)
    assert won.count(True) == 1 and len(won) == 12
    assert await scalar(store, "SELECT attempt FROM workflow_run") == 2


async def _retry(client: Any, run: str, won: list[bool]) -> None:
    won.append(not (await client.call_tool("ts.wrn.retry", {"id": run})).is_error)
