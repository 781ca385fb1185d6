"""Audit records of calls made with an OAuth grant name the person and the app (issue 29): "owner
via Test assistant" on the board, `via` beside `actor_id` in `ts.aud.list` and in `worktrail export`,
and no `via` for a call made with a key; on either store."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx2
import pytest

from tests.conftest import run_worktrail
from tests.oauth_sign_in import Memory, provider, signed_in_client
from tests.servers import http_client
from tests.test_oauth_flow import oauth_server  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.anyio, pytest.mark.processes]


async def test_a_change_made_through_an_app_names_the_person_and_the_app(
    oauth_server,  # type: ignore[no-untyped-def]  # noqa: F811
    initialised: tuple[Path | str, str],
) -> None:
    issuer, url, key = oauth_server
    async with signed_in_client(url, provider(url, issuer, key, Memory())) as agent:
        by_app = (await agent.call_tool("ts.tsk.create", {"title": "made through an app"})).structured_content
    async with http_client(url, key) as owner:
        by_key = (await owner.call_tool("ts.tsk.create", {"title": "made with a key"})).structured_content
        [app_record] = (await owner.call_tool("ts.aud.list", {"entity_id": by_app["id"]})).structured_content["records"]
        [key_record] = (await owner.call_tool("ts.aud.list", {"entity_id": by_key["id"]})).structured_content["records"]
    assert app_record["via"] == "Test assistant" and app_record["actor_id"] == key_record["actor_id"], app_record
    assert "via" not in key_record, "a key's call names no app"
    assert set(key_record) | {"via"} == set(app_record), "ts.aud.list's fields as they were, and via beside them"

    async with httpx2.AsyncClient(base_url=issuer, timeout=30, headers={"Origin": issuer}) as browser:
        signed_in = await browser.post("/login", data={"api_key": key, "next": "/audit"})
        assert signed_in.status_code == 303, signed_in.text
        page = (await browser.get("/audit")).text
        history = (await browser.get(f"/tasks/{by_app['id']}")).text
    # the person by name (a link, with their id beside it), then the app they acted through
    named = re.compile(r'>owner</a> (<code class="id"[^>]*>[^<]*</code> )?via Test assistant')
    assert named.search(page) and named.search(history)
    assert page.count(" via Test assistant") == 1, "the change made with a key names no app"

    exported = run_worktrail("export", "--db", str(initialised[0]), "--kind", "audit")
    assert exported.returncode == 0, exported.stderr
    rows = {row["entity_id"]: row for row in map(json.loads, exported.stdout.splitlines())}
    assert rows[by_app["id"]]["via"] == "Test assistant" and rows[by_key["id"]]["via"] is None
