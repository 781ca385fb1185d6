"""`serve --http --auth oauth` as an authorization server, driven by the SDK's own OAuth client
(`OAuthClientProvider`) over real HTTP: discovery, dynamic registration, /authorize, the board's
sign-in and consent (completed here by plain HTTP requests, as a browser would send them), the
code exchanged with PKCE, tools called with the access token as the person, a refresh, a
revocation, and the refusals around them; the person's choice of the access to give."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx2
import pytest

from tests.conftest import cli_link, cli_person, peek
from tests.conftest import run_worktrail as worktrail
from tests.oauth_sign_in import (
    REDIRECT,
    Memory,
    at_consent,
    form_fields,
    provider,
    sign_in_and_decide,
    signed_in_client,
)
from tests.servers import start_http_on_any_port, stop

pytestmark = [pytest.mark.anyio, pytest.mark.processes]


@pytest.fixture
def oauth_server(initialised: tuple[Path, str]):  # type: ignore[no-untyped-def]
    db, key = initialised
    process, url, _ = start_http_on_any_port(db, "--auth", "oauth")  # type: ignore[arg-type]
    yield url.removesuffix("/mcp"), url, key
    stop(process)


async def test_the_sdk_client_registers_signs_in_and_calls_tools_as_the_person(oauth_server) -> None:  # type: ignore[no-untyped-def]
    issuer, url, key = oauth_server
    metadata = httpx2.get(f"{issuer}/.well-known/oauth-authorization-server", timeout=30).json()
    assert metadata["issuer"] == issuer and metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["token_endpoint_auth_methods_supported"] == ["none", "client_secret_post", "client_secret_basic"]
    assert metadata["revocation_endpoint_auth_methods_supported"] == ["none", "client_secret_post", "client_secret_basic"]
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert {"authorization_code", "refresh_token"} <= set(metadata["grant_types_supported"])
    assert metadata["registration_endpoint"] == f"{issuer}/register" and metadata["revocation_endpoint"] == f"{issuer}/revoke"
    storage = Memory()
    async with signed_in_client(url, provider(url, issuer, key, storage)) as agent:
        me = (await agent.call_tool("ts.auth.whoami", {})).structured_content
        made = await agent.call_tool("ts.tsk.create", {"title": "via OAuth"})
        assert not made.is_error, made.structured_content
        assert storage.tokens is not None and storage.tokens.scope == "ledger:write"
        # Beyond ledger:write, and within the owner's role: 403 insufficient_scope, and the SDK's client
        # signs in again asking for ledger:admin and calls again (the refusals: test_oauth_step_up.py).
        stepped_up = await agent.call_tool("ts.res.create", {"type": "agent", "name": "x", "role": "viewer"})
        minted = await agent.call_tool("ts.key.create", {"name": "minted through a grant"})
    assert me is not None and me["name"] == "owner" and me["role"] == "member", "ledger:write acts as a member"
    assert not stepped_up.is_error, stepped_up.structured_content
    # An app mints no API key: one would outlive the grant and act with the person's whole role.
    assert minted.is_error and minted.structured_content is not None, minted
    assert minted.structured_content["error"]["code"] == "forbidden", minted.structured_content
    assert "worktrail key create" in minted.structured_content["error"]["message"]
    assert storage.tokens is not None and storage.tokens.access_token.startswith("wta_")
    assert storage.tokens.scope == "ledger:admin"
    plain = {"Authorization": f"Bearer {storage.tokens.access_token}", "Accept": "application/json, text/event-stream",
             "Content-Type": "application/json", "MCP-Protocol-Version": "2025-11-25"}  # fmt: skip
    listing = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    assert httpx2.post(url, content=json.dumps(listing), headers=plain, timeout=30).status_code == 200
    revoked = httpx2.post(f"{issuer}/revoke", data={"token": storage.tokens.refresh_token or "",
                                                    "client_id": storage.client.client_id or ""}, timeout=30)  # type: ignore[union-attr]  # fmt: skip
    assert revoked.status_code == 200
    assert httpx2.post(url, content=json.dumps(listing), headers=plain, timeout=30).status_code == 401, (
        "revoking the refresh token ends the grant's access token too"
    )


async def test_a_person_with_only_a_one_time_address_approves_an_app_that_then_calls_tools_as_them(
    initialised: tuple[Path, str], oauth_server: tuple[str, str, str]
) -> None:
    db, owner_key = initialised
    issuer, url, _ = oauth_server
    mira = cli_person(db, owner_key, "Mira")  # a person with no key at all
    storage = Memory()
    async with signed_in_client(url, provider(url, issuer, None, storage, link=cli_link(db, mira, issuer))) as agent:
        me = (await agent.call_tool("ts.auth.whoami", {})).structured_content
        made = await agent.call_tool("ts.tsk.create", {"title": "via Mira's app"})
    assert me is not None and me["name"] == "Mira" and me["role"] == "member", me
    assert not made.is_error, made.structured_content
    assert storage.tokens is not None and storage.tokens.scope == "ledger:write"


async def test_a_refresh_rotates_and_a_second_use_at_once_is_honoured(oauth_server) -> None:  # type: ignore[no-untyped-def]
    issuer, url, key = oauth_server
    storage = Memory()
    async with signed_in_client(url, provider(url, issuer, key, storage)) as agent:
        assert not (await agent.call_tool("ts.tsk.list", {})).is_error
    assert storage.tokens is not None and storage.client is not None
    old = storage.tokens.refresh_token
    form = {"grant_type": "refresh_token", "refresh_token": old, "client_id": storage.client.client_id}
    rotated = httpx2.post(f"{issuer}/token", data=form, timeout=30)
    assert rotated.status_code == 200 and rotated.json()["refresh_token"] != old
    again = httpx2.post(f"{issuer}/token", data=form, timeout=30)
    assert again.status_code == 200, "a second use at once (another session of the client) is honoured"
    # A replay after the 30 s grace revokes the grant: pinned without waiting in test_oauth_store.py.
    elsewhere = httpx2.post(f"{issuer}/token", data={**form, "refresh_token": again.json()["refresh_token"],
                                                      "client_id": "someone-else"}, timeout=30)  # fmt: skip
    assert elsewhere.status_code == 401 and elsewhere.json()["error"] == "invalid_client"


async def test_a_bad_redirect_plain_pkce_denial_another_resource_a_wrong_verifier_and_a_reused_code_are_refused(oauth_server) -> None:  # type: ignore[no-untyped-def]
    issuer, url, key = oauth_server
    registered = httpx2.post(f"{issuer}/register", json={"client_name": "c", "redirect_uris": [REDIRECT],
                                                          "token_endpoint_auth_method": "none"}, timeout=30).json()  # fmt: skip
    client_id = registered["client_id"]
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    ask = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT, "code_challenge": challenge,
           "code_challenge_method": "S256", "state": "s1", "resource": url}  # fmt: skip
    authorize = str(httpx2.URL(f"{issuer}/authorize", params=ask))
    mismatch = httpx2.get(str(httpx2.URL(f"{issuer}/authorize", params={**ask, "redirect_uri": REDIRECT + "/x"})), timeout=30)
    assert mismatch.status_code == 400 and "location" not in mismatch.headers, "never redirected to an unregistered URI"
    plain = httpx2.get(str(httpx2.URL(f"{issuer}/authorize", params={**ask, "code_challenge_method": "plain"})), timeout=30)
    assert "error=invalid_request" in plain.headers["location"], "PKCE S256 only"
    denied = await sign_in_and_decide(authorize, issuer, key, "deny")
    assert denied == {"error": "access_denied", "state": "s1", "iss": issuer}
    elsewhere = httpx2.get(str(httpx2.URL(f"{issuer}/authorize", params={**ask, "resource": "https://other.example/mcp"})),
                           timeout=30)  # fmt: skip
    refused = parse_qs(urlsplit(elsewhere.headers["location"]).query)
    assert refused["error"] == ["invalid_target"] and refused["iss"] == [issuer] and refused["state"] == ["s1"]
    approved = await sign_in_and_decide(authorize, issuer, key)
    assert approved["state"] == "s1" and approved["iss"] == issuer
    exchange = {"grant_type": "authorization_code", "code": approved["code"], "redirect_uri": REDIRECT,
                "client_id": client_id, "code_verifier": "w" * 64}  # fmt: skip
    wrong = httpx2.post(f"{issuer}/token", data=exchange, timeout=30)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    good = httpx2.post(f"{issuer}/token", data={**exchange, "code_verifier": verifier}, timeout=30)
    assert good.status_code == 200, good.text
    reused = httpx2.post(f"{issuer}/token", data={**exchange, "code_verifier": verifier}, timeout=30)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    headers = {"Authorization": f"Bearer {good.json()['access_token']}", "Accept": "application/json, text/event-stream",
               "Content-Type": "application/json", "MCP-Protocol-Version": "2025-11-25"}  # fmt: skip
    listing = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}})
    assert httpx2.post(url, content=listing, headers=headers, timeout=30).status_code == 401, (
        "the reused code revoked the grant it had become"
    )


def test_registration_takes_clients_with_safe_redirect_uris_and_a_method_it_can_check_only(oauth_server) -> None:  # type: ignore[no-untyped-def]
    issuer, _, _ = oauth_server
    public = {"client_name": "c", "token_endpoint_auth_method": "none"}
    for body, said in [({**public, "redirect_uris": ["http://evil.example/cb"]}, "http only to a loopback host"),
                       ({**public, "redirect_uris": ["javascript://x/cb"]}, "never allowed"),
                       ({**public, "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "private_key_jwt"},
                        "'private_key_jwt' is not supported")]:  # fmt: skip
        refused = httpx2.post(f"{issuer}/register", json=body, timeout=30)
        assert refused.status_code == 400 and said in refused.json()["error_description"], refused.text
    for uri in ("cursor://anysphere.cursor-retrieval/oauth/callback", "https://claude.ai/api/mcp/auth_callback", REDIRECT):
        taken = httpx2.post(f"{issuer}/register", json={**public, "redirect_uris": [uri]}, timeout=30)
        assert taken.status_code == 201 and taken.json()["client_id"], taken.text


async def test_a_token_is_refused_by_a_server_with_another_public_url_on_the_same_ledger(
    initialised: tuple[Path, str],
) -> None:
    db, key = initialised
    first, first_url, _ = start_http_on_any_port(db, "--auth", "oauth")  # type: ignore[arg-type]
    second, second_url, _ = start_http_on_any_port(db, "--auth", "oauth")  # type: ignore[arg-type]
    try:
        storage = Memory()
        issuer = first_url.removesuffix("/mcp")
        async with signed_in_client(first_url, provider(first_url, issuer, key, storage)) as agent:
            assert not (await agent.call_tool("ts.tsk.list", {})).is_error
        assert storage.tokens is not None
        headers = {"Authorization": f"Bearer {storage.tokens.access_token}", "Accept": "application/json, text/event-stream",
                   "Content-Type": "application/json", "MCP-Protocol-Version": "2025-11-25"}  # fmt: skip
        listing = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}})
        assert httpx2.post(first_url, content=listing, headers=headers, timeout=30).status_code == 200
        refused = httpx2.post(second_url, content=listing, headers=headers, timeout=30)
        assert refused.status_code == 401 and 'error="invalid_token"' in refused.headers["www-authenticate"], (
            "a token is bound to the /mcp it was issued for (RFC 8707)"
        )
    finally:
        stop(first)
        stop(second)


def test_registrations_from_one_address_are_limited_per_hour(initialised: tuple[Path, str]) -> None:
    db, _ = initialised
    process, url, _ = start_http_on_any_port(db, "--auth", "oauth", "--registrations-per-hour", "3")  # type: ignore[arg-type]
    try:
        body = {"client_name": "c", "token_endpoint_auth_method": "none", "redirect_uris": [REDIRECT]}
        answers = [httpx2.post(url.replace("/mcp", "/register"), json=body, timeout=30) for _ in range(4)]
        assert [a.status_code for a in answers] == [201] * 3 + [429]
        said = answers[-1].json()["error_description"]
        assert "over 3 an hour" in said and "--registrations-per-hour" in said, said
    finally:
        stop(process)


def test_a_teams_eleventh_hosted_connector_in_an_hour_registers_by_default(oauth_server) -> None:  # type: ignore[no-untyped-def]
    issuer, _, _ = oauth_server  # claude.ai and ChatGPT register from their own servers: one address for a whole team
    body = {"client_name": "Claude", "token_endpoint_auth_method": "none", "redirect_uris": ["https://claude.ai/api/mcp/auth_callback"]}
    answers = [httpx2.post(f"{issuer}/register", json=body, timeout=30).status_code for _ in range(11)]
    assert answers == [201] * 11


ALL = "ledger:read ledger:write ledger:admin"  # what MCP Inspector asks for: every scope the server lists
RADIO = re.compile(r'<input type="radio" name="grant" value="([^"]+)"( checked)?>')


def _asking(issuer: str, url: str, scope: str) -> tuple[str, str, str]:
    """A newly registered public app asking for `scope`: (its /authorize address, client_id, PKCE verifier)."""
    client_id = httpx2.post(f"{issuer}/register", json={"client_name": "Inspector", "redirect_uris": [REDIRECT],
                                                         "token_endpoint_auth_method": "none"}, timeout=30).json()["client_id"]  # fmt: skip
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    ask = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT, "code_challenge": challenge,
           "code_challenge_method": "S256", "scope": scope, "resource": url}  # fmt: skip
    return str(httpx2.URL(f"{issuer}/authorize", params=ask)), client_id, verifier


def _granted(issuer: str, client_id: str, verifier: str, back: dict[str, str]) -> str:
    """The scope of the tokens the app's code is exchanged for."""
    token = httpx2.post(f"{issuer}/token", data={"grant_type": "authorization_code", "code": back["code"], "redirect_uri": REDIRECT,
                                                  "client_id": client_id, "code_verifier": verifier}, timeout=30)  # fmt: skip
    assert token.status_code == 200, token.text
    return str(token.json()["scope"])


async def test_an_app_asking_for_every_scope_is_offered_ledger_write_first_and_gets_the_access_chosen(oauth_server) -> None:  # type: ignore[no-untyped-def]
    issuer, url, key = oauth_server
    authorize, client_id, verifier = _asking(issuer, url, ALL)
    async with at_consent(authorize, issuer, key) as (browser, page):
        assert RADIO.findall(page.text) == [("ledger:read", ""), ("ledger:write", " checked"), ("ledger:admin", "")], (
            "an owner may give any of the three; not everything by default"
        )
        answer = await browser.post(f"{issuer}/oauth/consent", data={**form_fields(page.text), "grant": "ledger:write",
                                                                       "decision": "approve"})  # fmt: skip
    back = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}
    assert _granted(issuer, client_id, verifier, back) == "ledger:write"
    for chosen in ("ledger:admin", "ledger:read"):
        authorize, client_id, verifier = _asking(issuer, url, ALL)
        assert _granted(issuer, client_id, verifier, await sign_in_and_decide(authorize, issuer, key, grant=chosen)) == chosen
    authorize, client_id, verifier = _asking(issuer, url, "ledger:admin")  # one scope asked: offered first
    assert _granted(issuer, client_id, verifier, await sign_in_and_decide(authorize, issuer, key)) == "ledger:admin"


async def test_a_forged_choice_beyond_what_was_asked_or_the_persons_role_is_refused_and_issues_no_code(
    initialised: tuple[Path, str], oauth_server: tuple[str, str, str]
) -> None:
    db, owner_key = initialised
    issuer, url, _ = oauth_server
    async with at_consent(_asking(issuer, url, "ledger:read")[0], issuer, owner_key) as (browser, page):
        for forged, said in (("ledger:admin", "grant: ledger:admin is not access you may give this app: it asked for "
                                              "ledger:read, and your role (owner) allows up to ledger:read"),
                             ("ledger:root", "grant: that value is not access you may give")):  # fmt: skip
            refused = await browser.post(f"{issuer}/oauth/consent", data={**form_fields(page.text), "grant": forged,
                                                                            "decision": "approve"})  # fmt: skip
            assert refused.status_code == 400 and "location" not in refused.headers and said in refused.text, refused.text
        assert RADIO.findall(page.text) == [("ledger:read", " checked")], "asked for ledger:read: nothing more offered"
    made = worktrail("key", "create", "--resource", cli_person(db, owner_key, "Mira"), "--json", "--db", str(db))
    async with at_consent(_asking(issuer, url, ALL)[0], issuer, json.loads(made.stdout)["api_key"]) as (browser, page):
        assert RADIO.findall(page.text) == [("ledger:read", ""), ("ledger:write", " checked")], "a member: no ledger:admin"
        assert "your role allows no more than ledger:write" in page.text
        refused = await browser.post(f"{issuer}/oauth/consent", data={**form_fields(page.text), "grant": "ledger:admin",
                                                                        "decision": "approve"})  # fmt: skip
        assert refused.status_code == 400 and "your role (member) allows up to ledger:write" in refused.text
    codes = await anyio.to_thread.run_sync(peek, db, "SELECT COUNT(*) FROM oauth_code")  # off the test's event loop
    assert codes == [(0,)], "no code was issued"
