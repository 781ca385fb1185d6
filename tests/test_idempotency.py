"""Idempotency keys: a keyed write has its effect once however often it is sent; a repeat answers
the first result (marked as a replay in _meta) and writes nothing; other arguments are a conflict;
a refusal keeps nothing; keys are scoped to the caller and the tool, and kept for a while."""

from __future__ import annotations

import anyio
import pytest
from mcp.types import CallToolResult

from tests.conftest import Agent, PinnedClock, as_role, connect, scalar, trail_total
from worktrail.store.store import Store
from worktrail.tools.catalog import ALL_TOOLS
from worktrail.tools.registry import Registry
from worktrail.transport.server import REPLAY_META

pytestmark = pytest.mark.anyio


async def rows(store: Store, sql: str, *params: object) -> int:
    return int(await scalar(store, sql, *params))


async def records(store: Store, entity_id: str, action: str | None = None) -> int:
    return await trail_total(store, entity_id=entity_id, action=action)


async def raw(agent: Agent, tool: str, arguments: dict) -> CallToolResult:
    return await agent.client.call_tool(tool, arguments)


def replayed(result: CallToolResult) -> bool:
    return bool((result.meta or {}).get(REPLAY_META))


async def test_a_retried_create_answers_the_first_result_and_creates_once(owner: Agent, store: Store) -> None:
    request = {"title": "once", "idempotency_key": "create-once-1"}
    first = await raw(owner, "ts.tsk.create", request)
    second = await raw(owner, "ts.tsk.create", request)
    assert not first.is_error and not second.is_error
    assert second.structured_content == first.structured_content  # same id, same timestamps
    assert not replayed(first) and replayed(second)
    assert await rows(store, "SELECT COUNT(*) FROM task") == 1
    assert await records(store, first.structured_content["id"]) == 1


async def test_a_retried_move_to_done_answers_success_not_already_done(owner: Agent, store: Store) -> None:
    task = await owner.ok("ts.tsk.create", {"title": "t"})
    await owner.ok("ts.tsk.update", {"id": task["id"], "status": "active"})
    done = {"id": task["id"], "status": "done", "idempotency_key": "finish-t"}
    first = await owner.ok("ts.tsk.update", done)
    again = await raw(owner, "ts.tsk.update", done)
    assert not again.is_error and again.structured_content == first and replayed(again)
    assert first == {"id": task["id"], "updated_at": first["updated_at"], "updated_fields": ["status"]}  # seed shape
    assert await records(store, task["id"], "update") == 2  # the activation and the one move to done


async def test_the_same_key_with_other_arguments_is_a_conflict_that_changes_nothing(owner: Agent, store: Store) -> None:
    first = await owner.ok("ts.tsk.create", {"title": "a", "idempotency_key": "k"})
    refused = await owner.err("ts.tsk.create", {"title": "b", "idempotency_key": "k"})
    assert refused["code"] == "conflict" and "different request" in refused["message"]
    assert refused["details"] == {
        "reason": "idempotency_key_reused", "tool": "ts.tsk.create", "first_used_at": first["created_at"]
    }  # fmt: skip
    assert await rows(store, "SELECT COUNT(*) FROM task") == 1


async def test_key_order_does_not_make_another_request(owner: Agent) -> None:
    first = await owner.ok("ts.tsk.create", {"title": "t", "estimate": 2, "idempotency_key": "order"})
    again = await raw(owner, "ts.tsk.create", {"idempotency_key": "order", "estimate": 2, "title": "t"})
    assert replayed(again) and again.structured_content == first


@pytest.mark.parametrize(
    ("bad", "fixed"),
    [({"title": ""}, {"title": "fixed"}), ({"title": "t", "endeavour_id": "edv_nope"}, {"title": "t"})],
)
async def test_a_refused_call_keeps_nothing_so_the_fixed_call_may_reuse_its_key(
    owner: Agent, store: Store, bad: dict, fixed: dict
) -> None:
    refused = await owner.err("ts.tsk.create", {**bad, "idempotency_key": "fix-me"})
    assert refused["code"] in ("invalid_input", "not_found")
    assert await rows(store, "SELECT COUNT(*) FROM idempotency_key") == 0
    made = await raw(owner, "ts.tsk.create", {**fixed, "idempotency_key": "fix-me"})
    assert not made.is_error and not replayed(made)
    assert await rows(store, "SELECT COUNT(*) FROM task") == 1


async def test_a_key_is_forgotten_after_its_time_to_live(store: Store, owner_key: str) -> None:
    clock = PinnedClock("2026-03-01T09:00:00Z")
    async with connect(store, owner_key, clock=clock) as agent:
        first = await agent.ok("ts.tsk.create", {"title": "t", "idempotency_key": "daily"})
        clock.set("2026-03-02T08:59:59Z")
        assert replayed(await raw(agent, "ts.tsk.create", {"title": "t", "idempotency_key": "daily"}))
        clock.set("2026-03-02T09:00:01Z")  # just over 24 hours: a new request
        later = await agent.ok("ts.tsk.create", {"title": "t", "idempotency_key": "daily"})
    assert later["id"] != first["id"] and await rows(store, "SELECT COUNT(*) FROM task") == 2
    assert await store.replays.prune("2026-03-02T09:00:00Z") == 0  # the old one was replaced, the new kept
    assert await store.replays.prune("2026-03-03T09:00:01Z") == 1


async def test_dotted_and_underscore_names_share_a_key(owner: Agent) -> None:
    first = await owner.ok("ts.tsk.create", {"title": "t", "idempotency_key": "both"})
    again = await raw(owner, "ts_tsk_create", {"title": "t", "idempotency_key": "both"})
    assert replayed(again) and again.structured_content == first


async def test_keys_are_scoped_to_the_caller_and_the_tool(owner: Agent, store: Store) -> None:
    await owner.ok("ts.tsk.create", {"title": "t", "idempotency_key": "shared"})
    await owner.ok("ts.edv.create", {"name": "t", "idempotency_key": "shared"})  # another tool: its own
    async with as_role(owner, store, "member") as (member, _):
        mine = await raw(member, "ts.tsk.create", {"title": "t", "idempotency_key": "shared"})
        assert not mine.is_error and not replayed(mine)
    assert await rows(store, "SELECT COUNT(*) FROM task") == 2


@pytest.mark.parametrize(
    ("key", "said"),
    [("", "must not be empty"), ("k" * 201, "at most 200"), ("a\nb", "printable"), ("tab\there", "printable"),
     (42, "must be a string")],
)  # fmt: skip
async def test_a_malformed_key_is_invalid_input_naming_it(owner: Agent, store: Store, key: object, said: str) -> None:
    refused = await owner.err("ts.tsk.create", {"title": "t", "idempotency_key": key})
    assert refused["code"] == "invalid_input" and refused["details"][0]["loc"] == ["idempotency_key"]
    assert said in refused["details"][0]["msg"]
    assert await rows(store, "SELECT COUNT(*) FROM task") == 0


@pytest.mark.parametrize(
    ("tool", "arguments", "why"),
    [("ts.key.create", {}, "shown once"), ("ts.auth.logout", {}, "done afresh"), ("ts.tsk.list", {}, "only reads")],
)
async def test_tools_that_take_no_key_say_why(owner: Agent, tool: str, arguments: dict, why: str) -> None:
    refused = await owner.err(tool, {**arguments, "idempotency_key": "k"})
    assert refused["code"] == "invalid_input" and why in refused["message"]
    assert (await owner.ok("ts.auth.whoami"))["role"] == "owner"  # logout did not happen


def test_every_write_but_login_logout_key_create_secrets_and_sweep_takes_a_key() -> None:
    """A new key or a run's secrets would be kept as an answer; a login or a sweep is done afresh."""
    takes = {t.name for t in ALL_TOOLS if t.takes_idempotency_key}
    writes = {t.name for t in ALL_TOOLS if not t.read_only}
    assert takes == writes - {"ts.auth.login", "ts.auth.logout", "ts.key.create", "ts.wrn.secrets", "ts.run.sweep"}


async def test_twenty_concurrent_repeats_all_succeed_with_one_effect(owner: Agent, store: Store) -> None:
    answers: list[CallToolResult] = []

    async def send() -> None:
        answers.append(await raw(owner, "ts.tsk.create", {"title": "burst", "idempotency_key": "burst"}))

    async with anyio.create_task_group() as group:
        for _ in range(20):
            group.start_soon(send)
    assert all(not a.is_error for a in answers)
    assert len({a.structured_content["id"] for a in answers}) == 1
    assert sum(replayed(a) for a in answers) == 19
    assert await rows(store, "SELECT COUNT(*) FROM task") == 1


async def test_a_replay_comes_even_after_the_caller_lost_the_right(owner: Agent, store: Store) -> None:
    """The key is looked up before anything else is checked: what succeeded stays answered."""
    async with as_role(owner, store, "member") as (member, member_id):
        first = await member.ok("ts.tsk.create", {"title": "t", "idempotency_key": "before-demotion"})
        await owner.ok("ts.res.update", {"id": member_id, "role": "viewer"})
        again = await raw(member, "ts.tsk.create", {"title": "t", "idempotency_key": "before-demotion"})
        assert replayed(again) and again.structured_content == first
        refused = await member.err("ts.tsk.create", {"title": "t", "idempotency_key": "after-demotion"})
        assert refused["code"] == "forbidden"


async def test_a_waiting_repeat_gives_up_after_its_bound(store: Store, owner_key: str) -> None:
    registry = Registry(ALL_TOOLS, store, in_progress_seconds=0.2)
    held, release = anyio.Event(), anyio.Event()

    async def another_call_holding_the_writer() -> None:
        async with store.db.hold(5):
            held.set()
            await release.wait()

    async with connect(store, owner_key) as agent, anyio.create_task_group() as group:
        group.start_soon(another_call_holding_the_writer)
        await held.wait()
        outcome = await registry.call("ts.tsk.create", {"title": "t", "idempotency_key": "wait"}, agent.session)
        release.set()
    assert outcome.is_error and outcome.payload["error"]["details"]["reason"] == "idempotency_in_progress"
    assert outcome.payload["error"]["details"]["retry_after_ms"] > 0


async def _ritual(owner: Agent) -> str:
    return (await owner.ok("ts.rtl.create", {"name": "r", "prompt": "p"}))["id"]


async def _requests(owner: Agent, tool: str) -> tuple[dict, dict, dict]:
    """For one write tool: a request that succeeds, another one, and one refused (fixable)."""
    if tool.split(".")[1] in ("msn", "mrn", "pln", "evt"):
        return await _mission_requests(owner, tool)
    if tool.split(".")[1] in ("wfl", "wrn", "att"):
        return await _workflow_requests(owner, tool)
    if tool.split(".")[1] in ("exe", "run"):
        return await _execution_requests(owner, tool)
    if tool == "ts.tsk.create":
        return {"title": "a"}, {"title": "b"}, {"title": ""}
    if tool.startswith("ts.rel."):
        a, b, c = [(await owner.ok("ts.tsk.create", {"title": t}))["id"] for t in "abc"]
        ends = {"relationship_type": "depends_on", "source_entity_type": "task", "target_entity_type": "task"}
        good, other = ({**ends, "source_entity_id": a, "target_entity_id": t} for t in (b, c))
        if tool == "ts.rel.create":
            return good, other, {**good, "source_entity_id": "tsk_nope"}
        made = [(await owner.ok("ts.rel.create", request))["id"] for request in (good, other)]
        return {"id": made[0]}, {"id": made[1]}, {"id": "rel_nope"}
    if tool == "ts.tsk.claim":
        a, b = [(await owner.ok("ts.tsk.create", {"title": t}))["id"] for t in "ab"]
        return {"id": a}, {"id": b}, {"id": a, "lease": "1s"}
    if tool == "ts.edv.create":
        return {"name": "a"}, {"name": "b"}, {"name": ""}
    if tool == "ts.rtl.create":
        return {"name": "a", "prompt": "p"}, {"name": "b", "prompt": "p"}, {"name": "a", "prompt": ""}
    if tool == "ts.res.create":
        return {"type": "agent", "name": "a"}, {"type": "agent", "name": "b"}, {"type": "robot", "name": "a"}
    if tool == "ts.rtr.create":
        ritual = await _ritual(owner)
        return {"ritual_id": ritual}, {"ritual_id": await _ritual(owner)}, {"ritual_id": "rtl_nope"}
    if tool in ("ts.tsk.update", "ts.tsk.cancel"):
        task = (await owner.ok("ts.tsk.create", {"title": "t"}))["id"]
        if tool == "ts.tsk.cancel":
            return {"id": task, "reason": "a"}, {"id": task, "reason": "b"}, {"id": task, "reason": ""}
        return {"id": task, "status": "active"}, {"id": task, "title": "b"}, {"id": task, "status": "done"}
    if tool == "ts.rtr.update":
        run = (await owner.ok("ts.rtr.create", {"ritual_id": await _ritual(owner)}))["id"]
        return {"id": run, "status": "succeeded"}, {"id": run, "status": "skipped"}, {"id": run, "status": "x"}
    if tool == "ts.key.revoke":
        key = (await owner.ok("ts.key.create", {"name": "spare"}))["id"]
        return {"id": key}, {"id": (await owner.ok("ts.key.create", {}))["id"]}, {"id": "key_nope"}
    entity = {"ts.edv.update": ("ts.edv.create", {"name": "e"}), "ts.rtl.update": ("ts.rtl.create",
              {"name": "r", "prompt": "p"}), "ts.res.update": ("ts.res.create", {"type": "agent", "name": "a"})}[tool]  # fmt: skip
    made = (await owner.ok(*entity))["id"]
    return {"id": made, "name": "a2"}, {"id": made, "name": "b2"}, {"id": made, "name": ""}


async def _mission_requests(owner: Agent, tool: str) -> tuple[dict, dict, dict]:
    m = (await owner.ok("ts.msn.create", {"name": "m"}))["data"]["mission_id"]
    if tool == "ts.msn.create":
        return {"name": "a"}, {"name": "b"}, {"name": ""}
    if tool == "ts.msn.update":
        return {"mission_id": m, "name": "a"}, {"mission_id": m, "name": "b"}, {"mission_id": m, "name": ""}
    if tool in ("ts.msn.clone", "ts.msn.delete", "ts.mrn.create"):
        other = {"name": "x"} if tool == "ts.msn.clone" else {"input": {"a": 1}}
        if tool == "ts.msn.delete":
            other = {"mission_id": (await owner.ok("ts.msn.create", {"name": "m2"}))["data"]["mission_id"]}
            return {"mission_id": m}, other, {"mission_id": "no-such-mission"}
        return {"mission_id": m}, {"mission_id": m, **other}, {"mission_id": "no-such-mission"}
    r = {"mission_id": m, "run_id": (await owner.ok("ts.mrn.create", {"mission_id": m}))["data"]["run_id"]}
    if tool == "ts.mrn.update":
        return {**r, "status": "succeeded"}, {**r, "status": "failed"}, {**r, "status": "pending"}
    if tool in ("ts.mrn.pause", "ts.mrn.resume", "ts.mrn.cancel"):
        if tool == "ts.mrn.resume":
            await owner.ok("ts.mrn.pause", r)
        return r, {**r, "reason": "because"}, {"mission_id": m, "run_id": "no-such-run"}
    if tool in ("ts.pln.create", "ts.pln.add_steps"):
        step = {"step_id": "s1", "sequence": 1, "description": "d"}
        return ({**r, "steps": [step]}, {**r, "steps": [{**step, "step_id": "s2"}]},
                {**r, "steps": [{**step, "parent_step_id": "nowhere"}]})  # fmt: skip
    if tool == "ts.pln.update_step":
        await owner.ok("ts.pln.create", {**r, "steps": [{"step_id": "s1", "sequence": 1, "description": "d"}]})
        s = {**r, "step_id": "s1"}
        return {**s, "status": "in_progress"}, {**s, "status": "skipped"}, {**s, "status": "completed"}
    event = {**r, "type": "message", "summary": "a"}
    return event, {**event, "summary": "b"}, {**event, "type": "nope"}


async def _workflow_requests(owner: Agent, tool: str) -> tuple[dict, dict, dict]:
    if tool == "ts.wfl.create":
        return {"name": "a", "main_prompt": "p"}, {"name": "b", "main_prompt": "p"}, {"name": "a", "main_prompt": ""}
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
    w = (await owner.ok("ts.wfl.create", {"name": "w", "main_prompt": "p", "input_schema": schema}))["id"]
    if tool == "ts.wfl.update":
        return {"id": w, "name": "a"}, {"id": w, "name": "b"}, {"id": w, "input_schema": {"type": "nope"}}
    if tool == "ts.wfl.delete":
        other = (await owner.ok("ts.wfl.create", {"name": "w2", "main_prompt": "p"}))["id"]
        return {"id": w}, {"id": other}, {"id": "no-such-workflow"}
    if tool in ("ts.wrn.create", "ts.wrn.bulk_create"):
        count = {"count": 2} if tool == "ts.wrn.bulk_create" else {}
        return ({"workflow_id": w, "input_values": {"n": 1}, **count}, {"workflow_id": w, "input_values": {"n": 2}, **count},
                {"workflow_id": w, "input_values": {"n": "one"}, **count})  # fmt: skip
    r = (await owner.ok("ts.wrn.create", {"workflow_id": w}))["id"]
    if tool == "ts.wrn.update":
        return {"id": r, "status": "running"}, {"id": r, "status": "cancelled"}, {"id": r, "status": "success"}
    if tool == "ts.wrn.retry":
        await owner.ok("ts.wrn.update", {"id": r, "status": "cancelled"})
        return {"id": r}, {"id": r, "input_values": {"n": 3}}, {"id": r, "input_values": {"n": "x"}}
    if tool == "ts.wrn.delete":  # a run is deleted once it ended
        other = (await owner.ok("ts.wrn.create", {"workflow_id": w}))["id"]
        for ended in (r, other):
            await owner.ok("ts.wrn.update", {"id": ended, "status": "cancelled"})
        return {"id": r}, {"id": other}, {"id": "no-such-run"}
    file = {"run_id": r, "filename": "a.txt", "content_base64": "aGVsbG8=", "kind": "input"}
    if tool == "ts.att.create":
        return file, {**file, "filename": "b.txt"}, {**file, "content_base64": "not base64!"}
    one = (await owner.ok("ts.att.create", file))["id"]
    two = (await owner.ok("ts.att.create", {**file, "filename": "b.txt"}))["id"]
    return {"id": one}, {"id": two}, {"id": "no-such-attachment"}


async def _execution_requests(owner: Agent, tool: str) -> tuple[dict, dict, dict]:
    if tool == "ts.exe.create":
        return {"config_id": "a"}, {"config_id": "b"}, {"config_id": ""}
    if tool == "ts.run.heartbeat":
        ritual = await _ritual(owner)
        run, other = [(await owner.ok("ts.rtr.create", {"ritual_id": ritual}))["id"] for _ in range(2)]
        return {"kind": "ritual_run", "id": run}, {"kind": "ritual_run", "id": other}, {"kind": "ritual_run", "id": "x"}
    e = {"execution_id": (await owner.ok("ts.exe.create", {"config_id": "c"}))["execution_id"]}
    if tool == "ts.exe.update":
        return {**e, "status": "completed"}, {**e, "status": "failed"}, {**e, "status": "running"}
    if tool == "ts.exe.heartbeat":
        return e, {**e, "progress": {"done": 1}}, {"execution_id": "no-such-execution"}
    return e, {**e, "reason": "because"}, {"execution_id": "no-such-execution"}


# Change records the first call writes: a heartbeat is activity, not a change; a bulk create, two runs.
RECORDS = {"ts.wrn.bulk_create": 2, "ts.exe.heartbeat": 0, "ts.run.heartbeat": 0}


WRITES = sorted(t.name for t in ALL_TOOLS if t.takes_idempotency_key)


@pytest.mark.parametrize("tool", WRITES)
async def test_every_write_tool_replays_refuses_reuse_and_keeps_no_refusal(
    owner: Agent, store: Store, tool: str
) -> None:
    good, other, refused = await _requests(owner, tool)
    # A refusal keeps nothing: the fixed request may use the same key.
    assert (await owner.err(tool, {**refused, "idempotency_key": "k1"}))["code"] in ("invalid_input", "not_found",
                                                                                        "invalid_transition")  # fmt: skip
    trail = await trail_total(store)
    first = await raw(owner, tool, {**good, "idempotency_key": "k1"})
    assert not first.is_error and not replayed(first), first.structured_content
    after_first = await trail_total(store)
    assert after_first == trail + RECORDS.get(tool, 1)
    again = await raw(owner, tool, {**good, "idempotency_key": "k1"})
    assert replayed(again) and again.structured_content == first.structured_content
    reused = await owner.err(tool, {**other, "idempotency_key": "k1"})
    assert reused["details"]["reason"] == "idempotency_key_reused" and reused["details"]["tool"] == tool
    assert await trail_total(store) == after_first  # neither wrote anything
