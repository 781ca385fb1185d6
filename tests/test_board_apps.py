"""Connected apps on the board's Keys page (issue 29): the standing OAuth grants with the app's
name, the person's name, the scope, when each was made and last used, and a Revoke form that
ends the grant through ts.key.revoke as the person at the board; `ts.key.list` lists them beside
the keys, a person's own, or everyone's for an owner or admin. And on Connected apps (`/apps`),
which everyone opens, a viewer too: their own apps, each with the same Revoke form."""

from __future__ import annotations

import json
import re

import httpx2
import pytest

from tests.board_client import board_over, browser
from tests.conftest import connect, make_resource
from tests.connected_apps import connect_app
from tests.servers import start_http_on_any_port, stop
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
        apps = html[html.index('<h2 id="apps">Connected apps'):]  # (the navigation names the page Connected apps too)
        rows = re.findall(r"<tr><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td>", apps)
        mark = ' <small class="app-origin">(unverified, returns to app.example)</small>'
        assert sorted(rows) == [("ChatGPT" + mark, "Mira", "ledger:read"), ("Claude &lt;b&gt;" + mark, owner["name"],
                                                                              "ledger:write")]  # fmt: skip
        assert theirs.grant["created_at"] in apps and theirs.access_token not in html and theirs.refresh_token not in html
        revoked = await person.act("/keys", f"/keys/{theirs.grant['id']}/revoke")
        assert revoked.status_code == 303 and revoked.headers["location"] == "/keys?done=disconnected"
        after = (await person.get(revoked.headers["location"])).text
        assert "App disconnected" in after and "ChatGPT" not in after and "Claude &lt;b&gt;" in after
    now = SystemClock().now()
    assert await store.oauth_grants.bearer(theirs.access_token, now, now) is None
    assert await store.oauth_grants.bearer(mine.access_token, now, now) is not None


async def test_a_self_registered_app_is_marked_unverified_with_its_host_and_a_document_app_shows_its_host(
    store: Store, owner_key: str
) -> None:
    owner = await store.maintenance.owner()
    assert owner is not None
    await connect_app(store, "Cl\u202eaude", owner["id"], "ledger:read")
    await connect_app(store, "Claude", owner["id"], "ledger:read", document="https://claude.ai/oauth/client.json")
    async with browser(board_over(store)) as person:
        assert (await person.login(owner_key)).status_code == 303
        for page in ("/keys", "/apps"):
            html = (await person.get(page)).text
            assert "\u202e" not in html, page
            assert 'Claude <small class="app-origin">(unverified, returns to app.example)</small>' in html, page
            assert 'Claude <small class="app-origin">(claude.ai)</small>' in html, page


async def test_with_no_app_connected_the_keys_page_says_so(store: Store, owner_key: str) -> None:
    async with browser(board_over(store)) as person:
        assert (await person.login(owner_key)).status_code == 303
        assert "No app is connected." in (await person.get("/keys")).text


LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json",
           "MCP-Protocol-Version": "2025-11-25"}  # fmt: skip


def _status_with(url: str, token: str) -> int:
    """What a server answers the app's next request with its access token."""
    sent = {**HEADERS, "Authorization": f"Bearer {token}"}
    return httpx2.post(url, content=json.dumps(LIST), headers=sent, timeout=30).status_code


@pytest.mark.processes
async def test_a_member_revokes_their_app_on_connected_apps_and_its_next_request_is_refused(
    ledger: str, store: Store, owner_key: str
) -> None:
    async with connect(store, owner_key) as owner:
        mira, mira_key = await make_resource(owner, "member", "Mira")
    process, url, _ = start_http_on_any_port(ledger, "--auth", "oauth")  # type: ignore[arg-type]
    try:
        app = await connect_app(store, "Claude", mira, "ledger:write", audience=url)
        assert _status_with(url, app.access_token) == 200
        async with browser(board_over(store)) as person:
            assert (await person.login(mira_key)).status_code == 303
            html = (await person.get("/apps")).text
            assert '<a href="/apps" aria-current="page">Connected apps</a>' in html and 'href="/keys"' not in html
            mine = html[html.index("<h1"):]
            shown = 'Claude <small class="app-origin">(unverified, returns to app.example)</small>'
            assert re.findall(r"<tr><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td>", mine) == [(shown, "ledger:write")]
            assert app.grant["created_at"] in mine and app.access_token not in html and app.refresh_token not in html
            revoke = f"/keys/{app.grant['id']}/revoke"
            revoked = await person.act("/apps", revoke)
            assert revoked.status_code == 303 and revoked.headers["location"] == "/apps?done=disconnected"
            after = await person.get(revoked.headers["location"])
            assert after.status_code == 200 and "App disconnected" in after.text and "You have no connected app." in after.text
        assert _status_with(url, app.access_token) == 401
    finally:
        stop(process)
    rows, _ = await store.audit.list(entity_id=app.grant["id"], actor_id=None, entity_type=None, action=None,
                                     since=None, keys_of=None, limit=5, offset=0)  # fmt: skip
    assert [(r["actor_id"], r["tool"], r["action"]) for r in rows] == [(mira, "ts.key.revoke", "revoke")]


async def test_a_viewer_sees_and_revokes_only_their_own_apps_and_an_admin_sees_their_own(
    store: Store, owner_key: str
) -> None:
    owner = await store.maintenance.owner()
    assert owner is not None
    async with connect(store, owner_key) as agent:
        vic, vic_key = await make_resource(agent, "viewer", "Vic")
        mira, _ = await make_resource(agent, "member", "Mira")
    own = await connect_app(store, "ChatGPT", vic, "ledger:read")
    other = await connect_app(store, "Claude", mira, "ledger:write")
    admins = await connect_app(store, "Cursor", owner["id"], "ledger:admin")
    now = SystemClock().now()
    async with browser(board_over(store)) as viewer:
        assert (await viewer.login(vic_key)).status_code == 303
        html = (await viewer.get("/apps")).text
        assert "ChatGPT" in html and "Claude" not in html and "Cursor" not in html and 'href="/keys' not in html
        assert (await viewer.get("/keys")).status_code == 403
        forged = await viewer.send(f"/keys/{other.grant['id']}/revoke", {"csrf": viewer.csrf(html), "back": "/apps"})
        assert forged.status_code == 303 and forged.headers["location"] == "/apps"
        shown = await viewer.get("/apps")
        assert shown.status_code == 403 and "manage another resource&#39;s API keys and connected apps." in shown.text
        assert await store.oauth_grants.bearer(other.access_token, now, now) is not None
        revoked = await viewer.act("/apps", f"/keys/{own.grant['id']}/revoke")  # a viewer ends their own credential
        assert revoked.headers["location"] == "/apps?done=disconnected"
        assert "You have no connected app." in (await viewer.get("/apps")).text
    assert await store.oauth_grants.bearer(own.access_token, now, now) is None
    async with browser(board_over(store)) as admin:  # their own here; everyone's on Keys, where the person is named
        assert (await admin.login(owner_key)).status_code == 303
        html = (await admin.get("/apps")).text
        assert "Cursor" in html and "Claude" not in html and '<a href="/keys#apps">Keys</a>' in html
        revoked = await admin.act("/apps", f"/keys/{admins.grant['id']}/revoke")
        assert revoked.headers["location"] == "/apps?done=disconnected"
        assert "Claude" in (await admin.get("/keys")).text
