"""ts.res.*: resources, their roles and status, and who may change them."""

from __future__ import annotations

import sys

import anyio
import pytest
from mcp import Client, StdioServerParameters

from tests.conftest import Agent, as_role, column, make_resource
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio


async def test_create_get_and_list_resources(owner: Agent) -> None:
    made = await owner.ok(
        "ts.res.create",
        {
            "type": "agent",
            "name": "triage-bot",
            "skills": ["python"],
            "capacity_model": "tokens_per_day",
            "capacity_value": 5e5,
        },
    )
    assert made["role"] == "member" and made["status"] == "active" and made["id"].startswith("res_")
    assert await owner.ok("ts.res.get", {"id": made["id"]}) == made
    page = await owner.ok("ts.res.list", {"type": "agent", "search": "TRIAGE"})
    assert [r["id"] for r in page["resources"]] == [made["id"]] and page["total"] == 1


async def test_unknown_resource_is_not_found(owner: Agent) -> None:
    assert (await owner.err("ts.res.get", {"id": "res_nope"}))["code"] == "not_found"


async def test_bad_type_is_invalid_input(owner: Agent) -> None:
    error = await owner.err("ts.res.create", {"type": "robot", "name": "r"})
    assert error["code"] == "invalid_input" and error["details"][0]["loc"] == ["type"]


async def test_update_answers_with_the_fields_sent(owner: Agent) -> None:
    made = await owner.ok("ts.res.create", {"type": "human", "name": "Ada"})
    ack = await owner.ok("ts.res.update", {"id": made["id"], "skills": ["math"], "name": "Ada L."})
    assert ack["updated_fields"] == ["name", "skills"]
    assert (await owner.ok("ts.res.get", {"id": made["id"]}))["name"] == "Ada L."


async def test_a_resource_edits_its_own_profile_but_not_its_role(owner: Agent, store: Store) -> None:
    async with as_role(owner, store, "member") as (member, member_id):
        await member.ok("ts.res.update", {"id": member_id, "name": "renamed"})
        assert (await member.err("ts.res.update", {"id": member_id, "role": "admin"}))["code"] == "forbidden"
        other, _ = await make_resource(owner, "member", "other")
        assert (await member.err("ts.res.update", {"id": other, "name": "x"}))["code"] == "forbidden"


async def test_only_an_owner_grants_or_touches_the_owner_role(owner: Agent, store: Store) -> None:
    owner_id = (await owner.ok("ts.auth.whoami"))["resource_id"]
    async with as_role(owner, store, "admin") as (admin, admin_id):
        assert (await admin.err("ts.res.update", {"id": admin_id, "role": "owner"}))["code"] == "forbidden"
        assert (await admin.err("ts.res.update", {"id": owner_id, "status": "inactive"}))["code"] == "forbidden"
        assert (await admin.err("ts.res.create", {"type": "human", "name": "o2", "role": "owner"}))[
            "code"
        ] == "forbidden"


async def test_the_last_active_owner_cannot_be_demoted_or_deactivated(owner: Agent) -> None:
    owner_id = (await owner.ok("ts.auth.whoami"))["resource_id"]
    assert (await owner.err("ts.res.update", {"id": owner_id, "role": "admin"}))["code"] == "invalid_input"
    assert (await owner.err("ts.res.update", {"id": owner_id, "status": "inactive"}))["code"] == "invalid_input"
    second = await owner.ok("ts.res.create", {"type": "human", "name": "co-owner", "role": "owner"})
    await owner.ok("ts.res.update", {"id": owner_id, "role": "admin"})
    assert (await owner.ok("ts.res.get", {"id": second["id"]}))["role"] == "owner"


async def test_status_moves_follow_the_resource_lifecycle(owner: Agent) -> None:
    made = await owner.ok("ts.res.create", {"type": "service", "name": "ci"})
    error = await owner.err("ts.res.update", {"id": made["id"], "status": "active"})
    assert error["code"] == "invalid_transition" and error["details"]["allowed"] == ["inactive"]


async def test_a_name_alike_another_resources_is_a_conflict_naming_its_holder(owner: Agent, store: Store) -> None:
    owner_id = (await owner.ok("ts.auth.whoami"))["resource_id"]
    alice = (await owner.ok("ts.res.create", {"type": "human", "name": "Alice"}))["id"]
    for alike in ("alice", "ＡＬＩＣＥ", " ALICE ", "Ali\u200bce"):
        refused = await owner.err("ts.res.create", {"type": "agent", "name": alike})
        assert refused["code"] == "conflict" and refused["details"]["holder_id"] == alice, alike
        assert alice in refused["message"]
    async with as_role(owner, store, "member") as (member, member_id):
        before = await member.ok("ts.res.get", {"id": member_id})
        for taken, holder in (("OWNER", owner_id), ("alice", alice)):  # the owner's name, as in the issue
            refused = await member.err("ts.res.update", {"id": member_id, "name": taken})
            assert refused["code"] == "conflict" and refused["details"] == {
                "field": "name", "reason": "name_taken", "holder_id": holder}  # fmt: skip
        assert await member.ok("ts.res.get", {"id": member_id}) == before, "a refusal changes nothing"
    await owner.ok("ts.res.update", {"id": alice, "name": "ALICE"})  # its own name, spelt anew
    page = await owner.ok("ts.res.list", {"search": "alice"})
    assert [r["name"] for r in page["resources"]] == ["ALICE"]


async def test_racing_creates_and_renames_to_one_name_from_three_processes_have_one_winner(
    ledger: str, store: Store, owner_key: str
) -> None:
    params = StdioServerParameters(command=sys.executable, args=["-m", "worktrail", "serve", "--db", ledger],
                                   env={"WORKTRAIL_API_KEY": owner_key})  # fmt: skip
    async with Client(params) as client:
        others = [(await client.call_tool("ts.res.create", {"type": "agent", "name": f"r{n}"})).structured_content["id"]
                  for n in range(6)]  # fmt: skip
    answers: list[bool] = []

    async def window(first: int) -> None:
        async with Client(params) as client, anyio.create_task_group() as calls:
            for n in (first, first + 1):  # one create and one rename of another resource each
                request = ("ts.res.create", {"type": "agent", "name": "Racer"}) if n % 2 else (
                    "ts.res.update", {"id": others[n], "name": "RACER"})  # fmt: skip
                calls.start_soon(lambda r=request: _call(client, r, answers))

    async with anyio.create_task_group() as group:
        for first in (0, 2, 4):
            group.start_soon(window, first)
    assert answers.count(True) == 1 and len(answers) == 6
    assert await column(store, "SELECT name_key FROM resource WHERE name_key = 'racer'") == ["racer"]


async def _call(client: Client, request: tuple[str, dict], answers: list[bool]) -> None:
    result = await client.call_tool(*request)
    assert not result.is_error or result.structured_content["error"]["code"] == "conflict", result
    answers.append(not result.is_error)
