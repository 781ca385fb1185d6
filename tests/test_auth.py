"""Login, sessions, API keys and roles."""

from __future__ import annotations

import hashlib

import pytest

from tests.conftest import Agent, as_role, connect, everything, make_resource, scalar
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio


async def test_login_answers_resource_name_and_role(store: Store, owner_key: str) -> None:
    async with connect(store) as agent:
        me = await agent.ok("ts.auth.login", {"api_key": owner_key})
        assert set(me) == {"resource_id", "name", "role"} and me["role"] == "owner"
        who = await agent.ok("ts.auth.whoami")
        assert who["resource_id"] == me["resource_id"] and who["type"] == "human"


async def test_wrong_key_is_not_authenticated_and_leaves_no_login(store: Store, owner_key: str) -> None:
    async with connect(store) as agent:
        error = await agent.err("ts.auth.login", {"api_key": "wtk_" + "0" * 64})
        assert error["code"] == "not_authenticated"
        assert (await agent.err("ts.tsk.list"))["code"] == "not_authenticated"


async def test_logout_ends_the_login(owner: Agent) -> None:
    await owner.ok("ts.auth.logout")
    assert (await owner.err("ts.auth.whoami"))["code"] == "not_authenticated"


async def test_keys_are_long_random_shown_once_and_stored_only_hashed(owner: Agent, store: Store) -> None:
    new = await owner.ok("ts.key.create", {"name": "laptop"})
    assert new["api_key"].startswith("wtk_") and len(new["api_key"]) == 4 + 64
    dump = await everything(store)
    stored = await scalar(store, "SELECT key_hash FROM api_key WHERE id = ?", new["id"])
    assert stored in dump, "the dump holds the keys' rows"
    assert new["api_key"] not in dump
    assert stored == hashlib.sha256(new["api_key"].encode()).hexdigest()
    listed = await owner.ok("ts.key.list")
    assert new["id"] in {k["id"] for k in listed["keys"]}
    assert all("api_key" not in k and "key_hash" not in k for k in listed["keys"])


async def test_a_revoked_keys_session_answers_session_expired(owner: Agent, store: Store) -> None:
    resource_id, api_key = await make_resource(owner, "member")
    async with connect(store, api_key) as member:
        key_id = (await member.ok("ts.auth.whoami"))["key_id"]
        await owner.ok("ts.key.revoke", {"id": key_id})
        error = await member.err("ts.tsk.list")
        assert error["code"] == "session_expired"
        assert (await member.err("ts.auth.login", {"api_key": api_key}))["code"] == "not_authenticated"


async def test_revoking_twice_is_safe_and_keeps_the_first_time(owner: Agent) -> None:
    key = await owner.ok("ts.key.create", {})
    first = await owner.ok("ts.key.revoke", {"id": key["id"]})
    second = await owner.ok("ts.key.revoke", {"id": key["id"]})
    assert first["revoked_at"] == second["revoked_at"]
    assert (first["already_revoked"], second["already_revoked"]) == (False, True)


async def test_an_inactive_resources_keys_stop_working(owner: Agent, store: Store) -> None:
    resource_id, api_key = await make_resource(owner, "member")
    async with connect(store, api_key) as member:
        await owner.ok("ts.res.update", {"id": resource_id, "status": "inactive"})
        assert (await member.err("ts.tsk.list"))["code"] == "session_expired"
    async with connect(store) as fresh:
        assert (await fresh.err("ts.auth.login", {"api_key": api_key}))["code"] == "not_authenticated"
    await owner.ok("ts.res.update", {"id": resource_id, "status": "active"})
    async with connect(store, api_key) as again:
        await again.ok("ts.tsk.list")


async def test_viewers_mint_no_keys_but_list_and_revoke_their_own(owner: Agent, store: Store) -> None:
    owner_id = (await owner.ok("ts.auth.whoami"))["resource_id"]
    async with as_role(owner, store, "viewer") as (viewer, viewer_id):
        refused = await viewer.err("ts.key.create", {"name": "second"})
        assert refused["code"] == "forbidden" and refused["details"]["required_role"] == "member"
        spare = await owner.ok("ts.key.create", {"resource_id": viewer_id, "name": "spare"})
        assert {k["resource_id"] for k in (await viewer.ok("ts.key.list"))["keys"]} == {viewer_id}
        await viewer.ok("ts.key.revoke", {"id": spare["id"]})
        owners_keys = await owner.ok("ts.key.list", {"resource_id": owner_id})
        assert (await viewer.err("ts.key.revoke", {"id": owners_keys["keys"][0]["id"]}))["code"] == "forbidden"
        assert (await viewer.err("ts.key.list", {"resource_id": owner_id}))["code"] == "forbidden"


async def test_members_mint_keys_for_themselves_only(owner: Agent, store: Store) -> None:
    owner_id = (await owner.ok("ts.auth.whoami"))["resource_id"]
    other, _ = await make_resource(owner, "viewer", "other")
    async with as_role(owner, store, "member") as (member, member_id):
        mine = await member.ok("ts.key.create", {"name": "second"})
        assert mine["resource_id"] == member_id
        for target in (owner_id, other):
            assert (await member.err("ts.key.create", {"resource_id": target}))["code"] == "forbidden"


async def test_admins_mint_no_keys_for_an_owner(owner: Agent, store: Store) -> None:
    owner_id = (await owner.ok("ts.auth.whoami"))["resource_id"]
    async with as_role(owner, store, "admin") as (admin, _):
        refused = await admin.err("ts.key.create", {"resource_id": owner_id})
        assert refused["code"] == "forbidden" and "owner" in refused["message"]
    assert (await owner.ok("ts.key.list", {"resource_id": owner_id}))["total"] == 1


async def test_admin_creates_keys_for_others(owner: Agent, store: Store) -> None:
    async with as_role(owner, store, "admin") as (admin, _):
        target, _ = await make_resource(owner, "member", "target")
        key = await admin.ok("ts.key.create", {"resource_id": target})
        async with connect(store, key["api_key"]) as member:
            assert (await member.ok("ts.auth.whoami"))["resource_id"] == target


async def test_roles_take_effect_on_the_next_call(owner: Agent, store: Store) -> None:
    async with as_role(owner, store, "viewer") as (viewer, viewer_id):
        assert (await viewer.err("ts.tsk.create", {"title": "x"}))["code"] == "forbidden"
        await owner.ok("ts.res.update", {"id": viewer_id, "role": "member"})
        await viewer.ok("ts.tsk.create", {"title": "x"})


async def test_a_promotion_takes_effect_in_entity_checks_on_the_next_call(owner: Agent, store: Store) -> None:
    others = await owner.ok("ts.res.create", {"type": "agent", "name": "other"})
    async with as_role(owner, store, "member") as (member, member_id):
        assert (await member.err("ts.key.list", {"resource_id": others["id"]}))["code"] == "forbidden"
        await owner.ok("ts.res.update", {"id": member_id, "role": "admin"})
        assert (await member.ok("ts.key.list", {"resource_id": others["id"]}))["total"] == 0


async def test_a_demotion_takes_effect_on_the_next_call_and_in_entity_checks(owner: Agent, store: Store) -> None:
    task = await owner.ok("ts.tsk.create", {"title": "owner's task"})
    async with as_role(owner, store, "admin") as (admin, admin_id):
        await admin.ok("ts.tsk.create", {"title": "while admin"})
        await owner.ok("ts.res.update", {"id": admin_id, "role": "member"})
        # Only an admin may cancel another's task: the member it is now must be refused.
        refused = await admin.err("ts.tsk.cancel", {"id": task["id"], "reason": "r"})
        assert refused["code"] == "forbidden"
        assert (await admin.ok("ts.auth.whoami"))["role"] == "member"
        await owner.ok("ts.res.update", {"id": admin_id, "role": "viewer"})
        assert (await admin.err("ts.tsk.create", {"title": "x"}))["code"] == "forbidden"
    assert (await owner.ok("ts.tsk.get", {"id": task["id"]}))["status"] == "planned"
    assert (await owner.ok("ts.tsk.list", {}))["total"] == 2


async def test_a_revoked_key_writes_nothing_and_cannot_log_out_quietly(owner: Agent, store: Store) -> None:
    _, api_key = await make_resource(owner, "member")
    async with connect(store, api_key) as member:
        key_id = (await member.ok("ts.auth.whoami"))["key_id"]
        await owner.ok("ts.key.revoke", {"id": key_id})
        assert (await member.err("ts.tsk.create", {"title": "late"}))["code"] == "session_expired"
        assert (await owner.ok("ts.tsk.list", {}))["total"] == 0
        assert (await member.err("ts.auth.logout"))["code"] == "session_expired"
        assert (await member.err("ts.auth.whoami"))["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("ts.tsk.create", {"title": "t"}),
        ("ts.edv.create", {"name": "e"}),
        ("ts.edv.update", {"id": "edv_x", "name": "e"}),
        ("ts.res.create", {"type": "agent", "name": "a"}),
        ("ts.tsk.cancel", {"id": "tsk_x", "reason": "r"}),
    ],
)
async def test_viewer_writes_are_forbidden(owner: Agent, store: Store, tool: str, arguments: dict) -> None:
    async with as_role(owner, store, "viewer") as (viewer, _):
        error = await viewer.err(tool, arguments)
        assert error["code"] == "forbidden" and error["details"]["role"] == "viewer"


async def test_member_may_not_create_resources(owner: Agent, store: Store) -> None:
    async with as_role(owner, store, "member") as (member, _):
        assert (await member.err("ts.res.create", {"type": "agent", "name": "a"}))["code"] == "forbidden"
