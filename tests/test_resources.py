"""ts.res.*: resources, their roles and status, and who may change them."""

from __future__ import annotations

import pytest

from tests.conftest import Agent, as_role, make_resource
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
