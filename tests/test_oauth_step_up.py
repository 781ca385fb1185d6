"""The MCP specification's step-up (issue 29): an app's `tools/call` beyond its grant's scope, where
a wider scope would let it through, is HTTP 403 with `WWW-Authenticate: Bearer
error="insufficient_scope", scope="…", resource_metadata="…"`, and the SDK's own client then asks
for that scope and calls again; where only the tool can tell (a change to another's resource), or
where no scope would help (the person's role is too low), the tool's `forbidden` names the scope.
An API key's caller keeps the tool's `forbidden`, as ever."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import httpx2
import pytest
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken

from tests.oauth_sign_in import REDIRECT, Memory, provider, sign_in_and_decide, signed_in_client
from tests.servers import http_client
from tests.test_oauth_flow import oauth_server  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.anyio, pytest.mark.processes]

HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json",
           "MCP-Protocol-Version": "2025-11-25"}  # fmt: skip


async def signed_in_with(issuer: str, url: str, key: str, scope: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A public client registered, and the person of `key` signed in from it asking for `scope`:
    (the registration's answer, the token answer)."""
    registered = httpx2.post(f"{issuer}/register", json={"client_name": "Narrow app", "redirect_uris": [REDIRECT],
                                                          "token_endpoint_auth_method": "none"}, timeout=30).json()  # fmt: skip
    verifier = "s" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    ask = {"response_type": "code", "client_id": registered["client_id"], "redirect_uri": REDIRECT, "scope": scope,
           "code_challenge": challenge, "code_challenge_method": "S256", "state": "s", "resource": url}  # fmt: skip
    back = await sign_in_and_decide(str(httpx2.URL(f"{issuer}/authorize", params=ask)), issuer, key)
    tokens = httpx2.post(f"{issuer}/token", data={"grant_type": "authorization_code", "code": back["code"], "redirect_uri": REDIRECT,
                                                   "client_id": registered["client_id"], "code_verifier": verifier}, timeout=30)  # fmt: skip
    assert tokens.status_code == 200, tokens.text
    return registered, tokens.json()


def call(url: str, token: str, tool: str, arguments: dict[str, Any]) -> httpx2.Response:
    body = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}
    return httpx2.post(url, content=json.dumps(body), headers={**HEADERS, "Authorization": f"Bearer {token}"}, timeout=30)


async def test_a_read_grant_calling_a_write_tool_is_asked_to_step_up_and_the_sdk_client_does(oauth_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    issuer, url, key = oauth_server
    registered, tokens = await signed_in_with(issuer, url, key, "ledger:read")
    assert tokens["scope"] == "ledger:read"
    for name in ("ts.tsk.create", "ts_tsk_create"):
        refused = call(url, tokens["access_token"], name, {"title": "beyond a read grant"})
        assert refused.status_code == 403, refused.text
        challenge = refused.headers["www-authenticate"]
        assert challenge.startswith('Bearer error="insufficient_scope", scope="ledger:write", ')
        assert f'resource_metadata="{issuer}/.well-known/oauth-protected-resource/mcp"' in challenge
        assert refused.json()["error"] == "insufficient_scope" and refused.json()["scope"] == "ledger:write"
    listed = call(url, tokens["access_token"], "ts.tsk.list", {})
    assert listed.status_code == 200 and not listed.json()["result"].get("isError"), "within the scope: served"

    storage = Memory()
    storage.client = OAuthClientInformationFull.model_validate(registered)
    storage.tokens = OAuthToken.model_validate(tokens)
    async with signed_in_client(url, provider(url, issuer, key, storage)) as agent:
        made = await agent.call_tool("ts.tsk.create", {"title": "after stepping up"})
    assert not made.is_error, made.structured_content
    assert storage.tokens.scope == "ledger:write", "the SDK's client signed in again asking for the scope named"


async def test_the_tools_forbidden_names_the_scope_where_only_the_tool_or_the_persons_role_can_tell(oauth_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    issuer, url, key = oauth_server
    async with http_client(url, key) as owner:
        people = {}
        for role in ("viewer", "member"):
            made = (await owner.call_tool("ts.res.create", {"type": "human", "name": f"a {role}", "role": role})).structured_content
            minted = (await owner.call_tool("ts.key.create", {"resource_id": made["id"]})).structured_content
            people[role] = (made["id"], minted["api_key"])
    viewer_id, viewer_key = people["viewer"]
    async with http_client(url, viewer_key) as viewer:
        by_key = await viewer.call_tool("ts.tsk.create", {"title": "a viewer's key"})
    assert by_key.is_error and by_key.structured_content["error"]["code"] == "forbidden", "a key is never stepped up"
    assert "required_scope" not in by_key.structured_content["error"]["details"]
    async with http_client(url, people["member"][1]) as member:
        others = await member.call_tool("ts.res.update", {"id": viewer_id, "name": "renamed by a member's key"})
    assert others.is_error and others.structured_content["error"].get("details") is None, "a key's refusal as it was"

    _, narrow = await signed_in_with(issuer, url, viewer_key, "ledger:write")
    assert narrow["scope"] == "ledger:read", "cut down to the viewer's role"
    no_help = call(url, narrow["access_token"], "ts.tsk.create", {"title": "no scope would help"})
    assert no_help.status_code == 200, "a wider scope would be cut down again: no step-up, the tool's answer"
    error = no_help.json()["result"]["structuredContent"]["error"]
    assert error["code"] == "forbidden" and error["details"]["required_scope"] == "ledger:write"

    _, wide = await signed_in_with(issuer, url, key, "ledger:write")
    only_the_tool = call(url, wide["access_token"], "ts.res.update", {"id": viewer_id, "name": "renamed by an app"})
    assert only_the_tool.status_code == 200, only_the_tool.text
    error = only_the_tool.json()["result"]["structuredContent"]["error"]
    assert error["code"] == "forbidden" and error["details"]["required_scope"] == "ledger:admin", error
    assert "asking for the scope ledger:admin" in error["message"]

