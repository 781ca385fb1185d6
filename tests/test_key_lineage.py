"""A key minted through a session names the key it was minted with, and revoking a key can revoke
everything minted through it: a leaked key's access ends with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Agent, connect, make_resource
from tests.conftest import run_worktrail as worktrail
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio


async def test_a_key_minted_through_a_session_names_that_sessions_key(owner: Agent, store: Store) -> None:
    mine = await owner.ok("ts.auth.whoami")
    minted = await owner.ok("ts.key.create", {"name": "child"})
    listed = {k["id"]: k for k in (await owner.ok("ts.key.list"))["keys"]}
    assert listed[minted["id"]]["created_by_key"] == mine["key_id"]


async def test_revoking_with_descendants_ends_every_key_minted_through_it(owner: Agent, store: Store) -> None:
    member_id, member_key = await make_resource(owner, "member")
    async with connect(store, member_key) as leaked:
        child = await leaked.ok("ts.key.create", {"name": "child"})
        async with connect(store, child["api_key"]) as through_child:
            grandchild = await through_child.ok("ts.key.create", {"name": "grandchild"})
        leaked_id = (await leaked.ok("ts.auth.whoami"))["key_id"]
    unrelated = await owner.ok("ts.key.create", {"resource_id": member_id, "name": "unrelated"})

    plain = await owner.ok("ts.key.revoke", {"id": child["id"]})
    assert "revoked_descendants" not in plain
    async with connect(store, grandchild["api_key"]) as still:
        await still.ok("ts.tsk.list")  # revoking without descendants leaves what it minted

    answer = await owner.ok("ts.key.revoke", {"id": leaked_id, "with_descendants": True})
    assert answer["already_revoked"] is False and answer["revoked_descendants"] == [grandchild["id"]]
    for api_key in (member_key, child["api_key"], grandchild["api_key"]):
        async with connect(store) as fresh:
            assert (await fresh.err("ts.auth.login", {"api_key": api_key}))["code"] == "not_authenticated"
    async with connect(store, unrelated["api_key"]) as other:
        await other.ok("ts.tsk.list")


async def test_the_tool_refuses_a_key_sent_in_place_of_its_id(owner: Agent) -> None:
    key = await owner.ok("ts.key.create", {})
    refused = await owner.err("ts.key.revoke", {"id": key["api_key"]})
    assert refused["code"] == "invalid_input" and refused["details"][0]["loc"] == ["id"]
    assert key["api_key"] not in json.dumps(refused)


@pytest.mark.processes
def test_the_command_line_revokes_by_the_key_itself_never_printing_it(initialised: tuple[Path, str]) -> None:
    db, api_key = initialised
    spare = json.loads(worktrail("key", "create", "--db", str(db), "--json").stdout)
    done = worktrail("key", "revoke", "--db", str(db), spare["api_key"])
    assert done.returncode == 0 and f"{spare['id']} (of {spare['resource_id']}) revoked at" in done.stdout
    again = worktrail("key", "revoke", "--db", str(db), spare["api_key"])
    assert again.returncode == 0 and "was already revoked" in again.stdout
    unknown = worktrail("key", "revoke", "--db", str(db), "wtk_" + "0" * 64)
    assert unknown.returncode == 1 and "No API key matches" in unknown.stderr
    for said in (done, again, unknown):
        assert spare["api_key"] not in said.stdout + said.stderr and "wtk_" + "0" * 64 not in said.stderr


@pytest.mark.processes
def test_the_command_line_revokes_with_descendants(initialised: tuple[Path, str]) -> None:
    db, api_key = initialised
    env = {"WORKTRAIL_API_KEY": api_key}
    child = json.loads(worktrail("call", "--db", str(db), "ts.key.create", '{"name": "child"}', env=env).stdout)
    whoami = json.loads(worktrail("call", "--db", str(db), "ts.auth.whoami", "{}", env=env).stdout)
    done = worktrail("key", "revoke", "--db", str(db), whoami["key_id"], "--with-descendants")
    assert done.returncode == 0, done.stderr
    assert f"{child['id']} revoked too" in done.stdout
