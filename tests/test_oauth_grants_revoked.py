"""An app's OAuth grant is a credential like a key (issue 29): `worktrail key list` shows the
standing ones ("connected apps"), and `worktrail key revoke` and `ts.key.revoke` end one, after
which its access token is refused; a person revokes only their own, an owner or admin anyone's.
Making the person inactive ends their grants for good (made active again, they sign in again)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import pytest

from tests.conftest import connect, make_resource
from tests.conftest import run_worktrail as worktrail
from tests.connected_apps import connect_app
from tests.servers import http_client
from tests.test_oauth_flow import oauth_server  # noqa: F401 (a fixture)
from tests.test_oauth_step_up import call, signed_in_with
from worktrail.domain.clock import SystemClock
from worktrail.store.oauth.grants import Issued
from worktrail.store.store import Store

pytestmark = [pytest.mark.anyio, pytest.mark.processes]

AUDIENCE = "http://127.0.0.1:8765/mcp"


async def _grant(db: Path | str) -> tuple[Issued, str]:
    """A grant of the owner's to the client "Claude": its first tokens."""
    store = await Store.open(str(db))
    try:
        now = SystemClock().now()
        client = await store.oauth_clients.register({"client_name": "Claude", "redirect_uris": ["https://claude.ai/cb"]}, now)
        owner = await store.maintenance.owner()
        assert owner is not None
        code = await store.oauth_grants.issue_code(client, owner["id"], "ledger:write", AUDIENCE, "x",
                                                   "https://claude.ai/cb", True, now)  # fmt: skip
        issued = await store.oauth_grants.redeem(code, client, now)
        assert issued is not None
        return issued, owner["id"]
    finally:
        await store.close()


async def _works(db: Path | str, token: str) -> bool:
    store = await Store.open(str(db))
    try:
        now = SystemClock().now()
        return await store.oauth_grants.bearer(token, now, now) is not None
    finally:
        await store.close()


async def _audited(db: Path | str, grant_id: str) -> list[tuple[str | None, str, str]]:
    """The change records of a grant: (who, through what, which change)."""
    store = await Store.open(str(db))
    try:
        rows, _ = await store.audit.list(entity_id=grant_id, actor_id=None, entity_type=None, action=None, since=None,
                                         keys_of=None, limit=50, offset=0)  # fmt: skip
        return [(r["actor_id"], r["tool"], r["action"]) for r in rows]
    finally:
        await store.close()


async def test_key_list_shows_a_grant_and_key_revoke_ends_it(initialised: tuple[Path | str, str]) -> None:
    db, _ = initialised
    issued, owner = await _grant(db)
    listed = worktrail("key", "list", "--db", str(db)).stdout
    assert "Connected apps" in listed and issued.grant["id"] in listed and "Claude" in listed
    assert "Claude (unverified, returns to claude.ai)" in listed, "anyone may register the name Claude"
    lines = [json.loads(line) for line in worktrail("key", "list", "--db", str(db), "--json").stdout.splitlines()]
    [grant] = [line for line in lines if line.get("kind") == "oauth_grant"]
    assert grant["id"] == issued.grant["id"] and grant["resource_id"] == owner and grant["scope"] == "ledger:write"
    assert issued.access_token not in listed and all(issued.access_token not in json.dumps(x) for x in lines)
    done = worktrail("key", "revoke", "--db", str(db), issued.grant["id"])
    assert done.returncode == 0 and f"{issued.grant['id']} (Claude for {owner}) revoked" in done.stdout, done.stderr
    assert not await _works(db, issued.access_token)
    assert await _audited(db, issued.grant["id"]) == [(None, "worktrail key revoke", "revoke")]
    assert "Connected apps" not in worktrail("key", "list", "--db", str(db)).stdout
    unknown = worktrail("key", "revoke", "--db", str(db), "ogr_000000000000000000000000")
    assert unknown.returncode == 1 and "no OAuth grant ogr_000000000000000000000000" in unknown.stderr


async def test_ts_key_revoke_ends_a_grant_for_its_person_or_an_admin_only(initialised: tuple[Path | str, str]) -> None:
    db, owner_key = initialised
    issued, _ = await _grant(db)
    made = json.loads(worktrail("call", "ts.res.create", json.dumps({"type": "agent", "name": "m", "role": "member"}),
                                "--db", str(db), env={"WORKTRAIL_API_KEY": owner_key}).stdout)  # fmt: skip
    member_key = json.loads(worktrail("key", "create", "--db", str(db), "--resource", made["id"], "--json").stdout)["api_key"]
    args = json.dumps({"id": issued.grant["id"]})
    refused = worktrail("call", "ts.key.revoke", args, "--db", str(db), env={"WORKTRAIL_API_KEY": member_key})
    assert json.loads(refused.stdout)["error"]["code"] == "forbidden" and await _works(db, issued.access_token)
    done = json.loads(worktrail("call", "ts.key.revoke", args, "--db", str(db), env={"WORKTRAIL_API_KEY": owner_key}).stdout)
    assert done["id"] == issued.grant["id"] and done["name"] == "Claude" and done["already_revoked"] is False
    assert not await _works(db, issued.access_token)
    again = json.loads(worktrail("call", "ts.key.revoke", args, "--db", str(db), env={"WORKTRAIL_API_KEY": owner_key}).stdout)
    assert again["already_revoked"] is True


async def test_revoking_a_grant_is_audited_as_revoking_a_key_is(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key) as owner:
        mira, mira_key = await make_resource(owner, "member", "Mira")
        _, otto_key = await make_resource(owner, "member", "Otto")
    grant = (await connect_app(store, "Claude", mira, "ledger:write")).grant["id"]
    async with connect(store, mira_key) as member:
        revoked = await member.ok("ts.key.revoke", {"id": grant})
        assert (await member.ok("ts.key.revoke", {"id": grant}))["already_revoked"] is True  # changes nothing again
        [record] = (await member.ok("ts.aud.list", {"entity_id": grant}))["records"]
        assert {k: record[k] for k in ("actor_id", "tool", "entity_type", "action", "changes")} == {
            "actor_id": mira, "tool": "ts.key.revoke", "entity_type": "oauth_grant", "action": "revoke",
            "changes": {"revoked_at": [None, revoked["revoked_at"]]},
        }  # fmt: skip
        assert (await member.ok("ts.aud.list", {"entity_type": "oauth_grant"}))["total"] == 1
    async with connect(store, otto_key) as other:  # a credential's records are its person's and the admins' only
        assert (await other.ok("ts.aud.list", {"entity_id": grant}))["total"] == 0
    async with connect(store, owner_key) as owner:
        assert [r["id"] for r in (await owner.ok("ts.aud.list", {"entity_type": "oauth_grant"}))["records"]] == [record["id"]]


async def test_deactivating_the_person_ends_their_apps_grants_for_good(
    oauth_server,  # type: ignore[no-untyped-def]  # noqa: F811
    initialised: tuple[Path | str, str],
) -> None:
    issuer, url, key = oauth_server
    async with http_client(url, key) as owner:
        made = (await owner.call_tool("ts.res.create", {"type": "human", "name": "alice", "role": "member"})).structured_content
        alice_key = (await owner.call_tool("ts.key.create", {"resource_id": made["id"]})).structured_content["api_key"]
        registered, tokens = await signed_in_with(issuer, url, alice_key, "ledger:write")
        assert call(url, tokens["access_token"], "ts.tsk.list", {}).status_code == 200
        for status in ("inactive", "active"):
            moved = await owner.call_tool("ts.res.update", {"id": made["id"], "status": status})
            assert not moved.is_error, moved.structured_content
            refused = call(url, tokens["access_token"], "ts.tsk.list", {})
            assert refused.status_code == 401 and 'error="invalid_token"' in refused.headers["www-authenticate"], status
            again = httpx2.post(f"{issuer}/token", data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
                                                          "client_id": registered["client_id"]}, timeout=30)  # fmt: skip
            assert again.status_code == 400 and again.json()["error"] == "invalid_grant", (status, again.text)
    listed = [json.loads(line) for line in worktrail("key", "list", "--db", str(initialised[0]), "--json").stdout.splitlines()]
    assert not [x for x in listed if x.get("kind") == "oauth_grant" and x.get("resource_id") == made["id"]], listed
