"""A loopback IP literal's redirect URI may come back with another port (RFC 8252 7.3, OAuth 2.1):
a native app (MCP Inspector) listens where a port is free, and reuses its registration. Exact
match otherwise: an https redirect's port, and `localhost`'s (RFC 8252 8.3 advises the literal)."""

from __future__ import annotations

import base64
import hashlib

import httpx2
import pytest

from tests.oauth_sign_in import Memory, provider, signed_in_client
from tests.servers import free_port
from tests.test_oauth_flow import oauth_server  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.anyio, pytest.mark.processes]

CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(b"v" * 64).digest()).decode().rstrip("=")


def _registered(issuer: str, *redirect_uris: str) -> str:
    body = {"client_name": "Inspector", "redirect_uris": list(redirect_uris), "token_endpoint_auth_method": "none"}
    answer = httpx2.post(f"{issuer}/register", json=body, timeout=30)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["client_id"])


def _authorize(issuer: str, client_id: str, redirect_uri: str) -> httpx2.Response:
    ask = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "code_challenge": CHALLENGE,
           "code_challenge_method": "S256", "state": "s1", "resource": f"{issuer}/mcp"}  # fmt: skip
    return httpx2.get(str(httpx2.URL(f"{issuer}/authorize", params=ask)), timeout=30)


async def test_a_client_registered_with_one_loopback_port_signs_in_with_another_end_to_end(oauth_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    issuer, url, key = oauth_server
    first, second = free_port(), free_port()
    storage = Memory()
    async with signed_in_client(url, provider(url, issuer, key, storage, callback_at=f"http://127.0.0.1:{first}/callback")) as agent:
        assert not (await agent.call_tool("ts.tsk.list", {})).is_error
    assert storage.client is not None and [str(u) for u in storage.client.redirect_uris or []] == [
        f"http://127.0.0.1:{first}/callback"
    ]
    registered = storage.client.client_id
    storage.tokens = None  # signed out; the registration kept, its callback now on another port
    again = provider(url, issuer, key, storage, callback_at=f"http://127.0.0.1:{second}/callback")
    async with signed_in_client(url, again) as agent:
        me = (await agent.call_tool("ts.auth.whoami", {})).structured_content
    assert me is not None and me["name"] == "owner"
    assert storage.client.client_id == registered, "the registration was reused, not made again"


def test_an_ipv6_loopback_redirect_may_change_its_port_too(oauth_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    issuer, _, _ = oauth_server
    client_id = _registered(issuer, "http://[::1]:40001/cb?x=1")
    moved = _authorize(issuer, client_id, "http://[::1]:40002/cb?x=1")
    assert moved.status_code == 302 and moved.headers["location"].startswith(f"{issuer}/oauth/consent?"), moved.text
    for other in ("http://[::1]:40002/cb?x=2", "http://[::1]:40002/other?x=1", "http://127.0.0.1:40002/cb?x=1",
                  "http://[::1]:40002/cb?x=1#f", "http://user@[::1]:40002/cb?x=1"):  # fmt: skip
        refused = _authorize(issuer, client_id, other)
        assert refused.status_code == 400 and "location" not in refused.headers, other


def test_an_https_or_localhost_redirect_keeps_exact_match(oauth_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    issuer, _, _ = oauth_server
    client_id = _registered(issuer, "https://app.example:8443/cb", "http://localhost:40001/cb", "http://127.0.0.1:40001/cb")
    for other in ("https://app.example:9443/cb", "https://app.example/cb", "http://localhost:40002/cb",
                  "https://127.0.0.1:40002/cb"):  # fmt: skip
        refused = _authorize(issuer, client_id, other)
        assert refused.status_code == 400 and "location" not in refused.headers, other
        assert "not registered" in refused.text, refused.text
    assert _authorize(issuer, client_id, "https://app.example:8443/cb").status_code == 302
    assert _authorize(issuer, client_id, "http://127.0.0.1:40777/cb").status_code == 302
