"""ts.tsk.claim: the caller takes the ready task created earliest (ties by id), or the one it
names, assigned, active and leased, in one transaction; nothing ready is `{task: null}`; a task
that cannot be claimed is `conflict` saying why."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from tests.conftest import Agent, PinnedClock, as_role, connect, make_resource
from tests.test_relations import depends
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio

T0 = "2026-05-01T10:00:00Z"


@asynccontextmanager
async def member_at(owner: Agent, store: Store, clock: PinnedClock) -> AsyncIterator[tuple[Agent, str]]:
    """A member whose server reads `clock`: (agent, resource_id)."""
    member_id, key = await make_resource(owner, "member")
    async with connect(store, key, clock=clock) as member:
        yield member, member_id


async def made_at(agent: Agent, clock: PinnedClock, at: str, **fields: object) -> str:
    clock.set(at)
    return str((await agent.ok("ts.tsk.create", {"title": f"made {at}", **fields}))["id"])


async def test_claim_takes_the_ready_task_created_earliest_and_answers_it_as_get_shows_it(
    owner: Agent, store: Store
) -> None:
    clock = PinnedClock(T0)
    async with member_at(owner, store, clock) as (member, me):
        later = await made_at(member, clock, "2026-05-01T10:00:02Z")
        earliest = await made_at(member, clock, "2026-05-01T10:00:01Z")
        clock.set("2026-05-01T11:00:00Z")
        claimed = (await member.ok("ts.tsk.claim"))["task"]
        assert claimed == await member.ok("ts.tsk.get", {"id": earliest})
        assert (claimed["id"], claimed["status"], claimed["assignee_id"]) == (earliest, "active", me)
        assert (claimed["lease_holder_id"], claimed["lease_expires_at"]) == (me, "2026-05-01T11:30:00Z")
        assert claimed["started_at"] == "2026-05-01T11:00:00Z" and claimed["version"] == 2
        assert (await member.ok("ts.tsk.claim", {"lease": "10m"}))["task"]["lease_expires_at"] == "2026-05-01T11:10:00Z"
        unclaimed = await member.ok("ts.tsk.get", {"id": later})
        assert unclaimed["status"] == "active" and unclaimed["id"] == later
        assert await member.ok("ts.tsk.claim") == {"task": None}  # nothing ready: not an error
        plain = await member.ok("ts.tsk.get", {"id": await made_at(member, clock, T0)})
        assert "lease_holder_id" not in plain and "lease_expires_at" not in plain  # left out as other empty fields


async def test_tasks_created_in_the_same_second_are_claimed_in_the_order_of_their_ids(owner: Agent) -> None:
    made = [(await owner.ok("ts.tsk.create", {"title": f"t{i}"}))["id"] for i in range(6)]
    same_second = len({(await owner.ok("ts.tsk.get", {"id": t}))["created_at"] for t in made}) == 1
    claimed = [(await owner.ok("ts.tsk.claim"))["task"]["id"] for _ in made]
    if same_second:
        assert claimed == sorted(made)
    assert sorted(claimed) == sorted(made)


async def test_claim_skips_a_task_whose_dependencies_are_not_done(owner: Agent, store: Store) -> None:
    clock = PinnedClock(T0)
    async with connect(store, (await make_resource(owner, "member"))[1], clock=clock) as member:
        waiting = await made_at(member, clock, "2026-05-01T10:00:01Z")
        awaited = await made_at(member, clock, "2026-05-01T10:00:02Z")
        await member.ok("ts.rel.create", depends(waiting, awaited))
        assert (await member.ok("ts.tsk.claim"))["task"]["id"] == awaited
        assert await member.ok("ts.tsk.claim") == {"task": None}
        await member.ok("ts.tsk.update", {"id": awaited, "status": "done"})
        assert (await member.ok("ts.tsk.claim"))["task"]["id"] == waiting


async def test_claim_within_an_endeavour_takes_only_its_tasks(owner: Agent) -> None:
    ours = (await owner.ok("ts.edv.create", {"name": "ours"}))["id"]
    other = (await owner.ok("ts.edv.create", {"name": "other"}))["id"]
    outside = (await owner.ok("ts.tsk.create", {"title": "outside"}))["id"]
    theirs = (await owner.ok("ts.tsk.create", {"title": "theirs", "endeavour_id": other}))["id"]
    mine = (await owner.ok("ts.tsk.create", {"title": "mine", "endeavour_id": ours}))["id"]
    assert (await owner.ok("ts.tsk.claim", {"endeavour_id": ours}))["task"]["id"] == mine
    assert await owner.ok("ts.tsk.claim", {"endeavour_id": ours}) == {"task": None}
    assert (await owner.err("ts.tsk.claim", {"endeavour_id": "edv_nope"}))["code"] == "not_found"
    refused = await owner.err("ts.tsk.claim", {"endeavour_id": ours, "id": theirs})
    assert refused["code"] == "invalid_input" and refused["details"][0]["loc"] == ["endeavour_id"]
    await owner.ok("ts.edv.update", {"id": other, "status": "archived"})  # its tasks can no longer change
    assert (await owner.ok("ts.tsk.claim"))["task"]["id"] == outside
    assert await owner.ok("ts.tsk.claim") == {"task": None}


async def test_a_named_task_is_claimed_or_refused_saying_why(owner: Agent, store: Store) -> None:
    a, b, c, d = [(await owner.ok("ts.tsk.create", {"title": t}))["id"] for t in "abcd"]
    await owner.ok("ts.rel.create", depends(a, b))
    await owner.ok("ts.rel.create", depends(a, c))
    blocked = await owner.err("ts.tsk.claim", {"id": a})
    assert blocked["code"] == "conflict" and f"waits for {b}, {c}" in blocked["message"]
    assert blocked["details"] == {"reason": "blocked", "id": a, "blocked_by": [b, c]}
    await owner.ok("ts.tsk.update", {"id": d, "status": "active"})
    active = await owner.err("ts.tsk.claim", {"id": d})
    assert active["code"] == "conflict" and f"Task {d} is active" in active["message"]
    assert active["details"] == {"reason": "not_ready", "id": d, "status": "active"}
    await owner.ok("ts.tsk.update", {"id": d, "status": "done"})
    assert (await owner.err("ts.tsk.claim", {"id": d}))["details"]["status"] == "done"
    missing = await owner.err("ts.tsk.claim", {"id": "tsk_000000000000000000000000"})
    assert missing["code"] == "not_found" and "tsk_000000000000000000000000" in missing["message"]
    async with as_role(owner, store, "member") as (member, member_id):
        held = (await member.ok("ts.tsk.claim", {"id": b}))["task"]
        assert (held["id"], held["lease_holder_id"]) == (b, member_id)
        taken = await owner.err("ts.tsk.claim", {"id": b})
        assert taken["code"] == "conflict" and f"held by {member_id} until {held['lease_expires_at']}" in taken["message"]
        assert taken["details"] == {"reason": "held", "id": b, "lease_holder_id": member_id,
                                    "lease_expires_at": held["lease_expires_at"]}  # fmt: skip
    assert (await owner.ok("ts.tsk.get", {"id": b}))["version"] == held["version"]  # refusals change nothing


async def test_claiming_a_task_you_hold_renews_its_lease(owner: Agent, store: Store) -> None:
    clock = PinnedClock(T0)
    async with member_at(owner, store, clock) as (member, me):
        task = await made_at(member, clock, T0)
        first = (await member.ok("ts.tsk.claim", {"id": task, "lease": "5m"}))["task"]
        clock.set("2026-05-01T10:04:00Z")
        again = (await member.ok("ts.tsk.claim", {"id": task}))["task"]
        assert again["lease_expires_at"] == "2026-05-01T10:09:00Z"  # as long again, from now
        assert {k: v for k, v in again.items() if k != "lease_expires_at"} == \
            {k: v for k, v in first.items() if k != "lease_expires_at"}  # fmt: skip
        longer = (await member.ok("ts.tsk.claim", {"id": task, "lease": "1h"}))["task"]
        assert longer["lease_expires_at"] == "2026-05-01T11:04:00Z" and longer["lease_holder_id"] == me


@pytest.mark.parametrize(
    ("lease", "said"),
    [("4s", 'shorter than the shortest lease, 5s: write e.g. "30s"'), ("0s", "greater than zero"),
     ("soon", "not a duration"), ("30", "not a duration"), ("", "must not be empty")],
)  # fmt: skip
async def test_a_bad_lease_is_invalid_input_naming_the_field_and_the_fix(owner: Agent, lease: str, said: str) -> None:
    task = (await owner.ok("ts.tsk.create", {"title": "t"}))["id"]
    refused = await owner.err("ts.tsk.claim", {"lease": lease})
    assert refused["code"] == "invalid_input" and refused["details"][0]["loc"] == ["lease"], refused
    assert said in refused["details"][0]["msg"], refused
    assert (await owner.ok("ts.tsk.get", {"id": task}))["status"] == "planned"
    assert (await owner.ok("ts.tsk.claim", {"lease": "5s"}))["task"]["id"] == task


async def test_a_viewer_may_not_claim(owner: Agent, store: Store) -> None:
    task = (await owner.ok("ts.tsk.create", {"title": "t"}))["id"]
    async with as_role(owner, store, "viewer") as (viewer, _):
        refused = await viewer.err("ts.tsk.claim")
        assert refused["code"] == "forbidden" and refused["details"]["required_role"] == "member"
        assert (await viewer.err("ts.tsk.claim", {"id": task}))["code"] == "forbidden"
    assert (await owner.ok("ts.tsk.get", {"id": task}))["status"] == "planned"


async def test_a_retry_with_the_idempotency_key_answers_the_same_task(owner: Agent) -> None:
    for title in ("first", "second"):
        await owner.ok("ts.tsk.create", {"title": title})
    first = await owner.ok("ts.tsk.claim", {"idempotency_key": "claim-1"})
    assert await owner.ok("ts.tsk.claim", {"idempotency_key": "claim-1"}) == first
    other = await owner.ok("ts.tsk.claim", {"idempotency_key": "claim-2"})
    assert other["task"]["id"] != first["task"]["id"]
    assert await owner.ok("ts.tsk.claim", {"idempotency_key": "claim-3"}) == {"task": None}
    assert await owner.ok("ts.tsk.claim", {"idempotency_key": "claim-3"}) == {"task": None}


async def test_a_claim_is_in_the_audit_trail_as_an_update_of_the_task(owner: Agent, store: Store) -> None:
    task = (await owner.ok("ts.tsk.create", {"title": "t"}))["id"]
    async with as_role(owner, store, "member") as (member, member_id):
        claimed = (await member.ok("ts.tsk.claim"))["task"]
    history = (await owner.ok("ts.aud.list", {"entity_id": task}))["records"]
    assert [(r["action"], r["tool"]) for r in history] == [("create", "ts.tsk.create"), ("update", "ts.tsk.claim")]
    changes = history[1]["changes"]
    assert changes["status"] == ["planned", "active"] and changes["assignee_id"] == [None, member_id]
    assert changes["lease_holder_id"] == [None, member_id]
    assert changes["lease_expires_at"] == [None, claimed["lease_expires_at"]]
    assert changes["started_at"] == [None, claimed["started_at"]]
