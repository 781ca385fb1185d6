"""Connected apps on the board's Keys page (issue 29): the standing OAuth grants with the app's
name, the person's name, the scope, when each was made and last used, and a Revoke form that
ends the grant through ts.key.revoke as the person at the board; `ts.key.list` lists them beside
the keys, a person's own, or everyone's for an owner or admin."""

from __future__ import annotations

import re

import pytest

from tests.board_client import board_over, browser
from tests.conftest import connect, make_resource
from tests.connected_apps import connect_app
from worktrail.domain.clock import SystemClock
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio


async def test_the_keys_page_lists_connected_apps_and_revokes_one(store: Store, owner_key: str) -> None:
    owner = await store.maintenance.owner()
    assert owner is not None
    async with connect(store, owner_key) as agent:
        member_id, member_key = await make_resource(agent, "member", "Mira")
    mine = await connect_app(store, "Claude <b>", owner["id"], "ledger:write")
    theirs = await connect_app(store, "ChatGPT", member_id, "ledger:read")
    async with connect(store, member_key) as member:  # a person sees their own apps, an admin everyone's
        assert [a["id"] for a in (await member.ok("ts.key.list"))["apps"]] == [theirs.grant["id"]]
        assert (await member.err("ts.key.list", {"resource_id": owner["id"]}))["code"] == "forbidden"
    async with browser(board_over(store)) as person:
        assert (await person.login(owner_key)).status_code == 303
        html = (await person.get("/keys")).text
        apps = html[html.index("Connected apps"):]
        rows = re.findall(r"<tr><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td><td>(.*?)</td>", apps)
        assert sorted(rows) == [("ChatGPT", "Mira", "ledger:read"), ("Claude &lt;b&gt;", owner["name"], "ledger:write")]
        assert theirs.grant["created_at"] in apps and theirs.access_token not in html and theirs.refresh_token not in html
        revoked = await person.act("/keys", f"/keys/{theirs.grant['id']}/revoke")
        assert revoked.status_code == 303 and revoked.headers["location"] == "/keys?done=disconnected"
        after = (await person.get(revoked.headers["location"])).text
        assert "App disconnected" in after and "ChatGPT" not in after and "Claude &lt;b&gt;" in after
    now = SystemClock().now()
    assert await store.oauth_grants.bearer(theirs.access_token, now, now) is None
    assert await store.oauth_grants.bearer(mine.access_token, now, now) is not None


async def test_with_no_app_connected_the_keys_page_says_so(store: Store, owner_key: str) -> None:
    async with browser(board_over(store)) as person:
        assert (await person.login(owner_key)).status_code == 303
        assert "No app is connected." in (await person.get("/keys")).text
