"""What `/token` and `/register` refuse, and how they say it (issue 29, found by the hostile review):
a `resource` (RFC 8707) naming another server, or a code or refresh token whose grant is bound to
another server, is `invalid_target` and uses nothing up; a code used again is told so; a grant type
this server does not take is `unsupported_grant_type` naming the two it does; a registration whose
body is not a JSON object says what the body must be."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import httpx2
import pytest

from tests.oauth_sign_in import REDIRECT, Memory, provider, sign_in_and_decide, signed_in_client
from tests.servers import start_http_on_any_port, stop
from tests.test_oauth_flow import oauth_server  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.anyio, pytest.mark.processes]

ELSEWHERE = "https://other.example/mcp"


async def _approved(issuer: str, key: str, client_id: str | None = None) -> dict[str, str]:
    """A public client's approved code, with what redeems it: the /token form (resource left out)."""
    if client_id is None:
        client_id = httpx2.post(f"{issuer}/register", json={"client_name": "c", "redirect_uris": [REDIRECT],
                                                            "token_endpoint_auth_method": "none"}, timeout=30).json()["client_id"]  # fmt: skip
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    ask = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT, "code_challenge": challenge,
           "code_challenge_method": "S256", "state": "s1", "resource": f"{issuer}/mcp"}  # fmt: skip
    approved = await sign_in_and_decide(str(httpx2.URL(f"{issuer}/authorize", params=ask)), issuer, key)
    return {"grant_type": "authorization_code", "code": approved["code"], "redirect_uri": REDIRECT,
            "client_id": client_id, "code_verifier": verifier}  # fmt: skip


async def test_a_resource_naming_another_server_is_invalid_target_at_token_and_uses_nothing_up(oauth_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    issuer, url, key = oauth_server
    exchange = await _approved(issuer, key)
    elsewhere = httpx2.post(f"{issuer}/token", data={**exchange, "resource": ELSEWHERE}, timeout=30)
    assert elsewhere.status_code == 400 and elsewhere.json()["error"] == "invalid_target", elsewhere.text
    assert url in elsewhere.json()["error_description"]
    good = httpx2.post(f"{issuer}/token", data={**exchange, "resource": url}, timeout=30)
    assert good.status_code == 200, "the refused request did not use the code up"
    refresh = {"grant_type": "refresh_token", "refresh_token": good.json()["refresh_token"], "client_id": exchange["client_id"]}
    refused = httpx2.post(f"{issuer}/token", data={**refresh, "resource": ELSEWHERE}, timeout=30)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_target", refused.text
    rotated = httpx2.post(f"{issuer}/token", data={**refresh, "resource": url + "/"}, timeout=30)
    assert rotated.status_code == 200, "the refused refresh did not use the token up; this /mcp (a slash or not) is taken"


async def test_a_grant_bound_to_another_server_is_redeemed_and_refreshed_only_by_that_server(
    initialised: tuple[Path, str],
) -> None:
    db, key = initialised
    first, first_url, _ = start_http_on_any_port(db, "--auth", "oauth")  # type: ignore[arg-type]
    second, second_url, _ = start_http_on_any_port(db, "--auth", "oauth")  # type: ignore[arg-type]
    try:
        issuer, other = first_url.removesuffix("/mcp"), second_url.removesuffix("/mcp")
        exchange = await _approved(issuer, key)
        at_other = httpx2.post(f"{other}/token", data=exchange, timeout=30)
        assert at_other.status_code == 400 and at_other.json()["error"] == "invalid_target", at_other.text
        assert httpx2.post(f"{issuer}/token", data=exchange, timeout=30).status_code == 200, "and left it to its server"
        storage = Memory()
        async with signed_in_client(first_url, provider(first_url, issuer, key, storage)) as agent:
            assert not (await agent.call_tool("ts.tsk.list", {})).is_error
        assert storage.tokens is not None and storage.client is not None
        refresh = {"grant_type": "refresh_token", "refresh_token": storage.tokens.refresh_token,
                   "client_id": storage.client.client_id}  # fmt: skip
        refused = httpx2.post(f"{other}/token", data=refresh, timeout=30)
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_target", refused.text
        assert first_url in refused.json()["error_description"]
        assert httpx2.post(f"{issuer}/token", data=refresh, timeout=30).status_code == 200
    finally:
        stop(first)
        stop(second)


async def test_a_code_used_again_is_told_so(oauth_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    issuer, _, key = oauth_server
    exchange = await _approved(issuer, key)
    assert httpx2.post(f"{issuer}/token", data=exchange, timeout=30).status_code == 200
    again = httpx2.post(f"{issuer}/token", data=exchange, timeout=30)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert "already used" in again.json()["error_description"], again.text
    unknown = httpx2.post(f"{issuer}/token", data={**exchange, "code": "not-a-code"}, timeout=30)
    assert unknown.status_code == 400 and "already used" not in unknown.json()["error_description"]


def test_a_grant_type_this_server_does_not_take_is_unsupported_grant_type_naming_those_it_does(oauth_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    issuer, _, _ = oauth_server
    client_id = httpx2.post(f"{issuer}/register", json={"client_name": "c", "redirect_uris": [REDIRECT],
                                                        "token_endpoint_auth_method": "none"}, timeout=30).json()["client_id"]  # fmt: skip
    for grant_type in ("password", "client_credentials", "urn:ietf:params:oauth:grant-type:jwt-bearer"):
        refused = httpx2.post(f"{issuer}/token", data={"grant_type": grant_type, "client_id": client_id}, timeout=30)
        assert refused.status_code == 400 and refused.json()["error"] == "unsupported_grant_type", refused.text
        said = refused.json()["error_description"]
        assert "authorization_code or refresh_token" in said and "jwt-bearer" not in said.replace(grant_type, ""), said
    missing = httpx2.post(f"{issuer}/token", data={"client_id": client_id}, timeout=30)
    assert missing.status_code == 400 and missing.json() == {
        "error": "invalid_request", "error_description": "grant_type is required: send authorization_code or refresh_token"}


def test_a_registration_body_that_is_no_json_object_is_told_what_it_must_be(oauth_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    issuer, _, _ = oauth_server
    for body in (b"xx", b"", b"[1]"):
        refused = httpx2.post(f"{issuer}/register", content=body, headers={"Content-Type": "application/json"}, timeout=30)
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_client_metadata", refused.text
        said = refused.json()["error_description"]
        assert said.startswith("the request body must be a JSON object of client metadata"), said
        assert "redirect_uris" in said
