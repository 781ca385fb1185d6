"""The OAuth sign-in as a person sees it (issue 29), in Chromium driven by Playwright: an app's
page on another site sends the browser to `/authorize`; the board signs the person in and shows
the consent page; Approve sends the browser back to the app with a code, which the app exchanges
(PKCE) for a token that calls tools as the person. A person without a key pastes a one-time
address into the login page instead, and gives the app less than it asked for."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from tests.browsers import shot
from tests.conftest import cli_link, cli_person
from tests.servers import start_http_on_any_port, stop

pytestmark = [pytest.mark.processes, pytest.mark.browser]

APP = "https://assistant.example"
CALLBACK = f"{APP}/callback"


def _asking(issuer: str, url: str, scope: str, verifier: str) -> tuple[str, str]:
    """A newly registered app at APP asking for `scope`: (its client_id, its /authorize address)."""
    client_id = httpx2.post(f"{issuer}/register", json={"client_name": "Assistant", "redirect_uris": [CALLBACK],
                                                         "token_endpoint_auth_method": "none"}, timeout=30).json()["client_id"]  # fmt: skip
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return client_id, str(httpx2.URL(f"{issuer}/authorize", params={
        "response_type": "code", "client_id": client_id, "redirect_uri": CALLBACK, "code_challenge": challenge,
        "code_challenge_method": "S256", "state": "st", "resource": url, "scope": scope}))  # fmt: skip


def test_a_person_approves_an_app_in_the_browser_and_the_app_calls_tools(
    initialised: tuple[Path | str, str], chromium: Any
) -> None:
    db, key = initialised
    process, url, _ = start_http_on_any_port(db, "--auth", "oauth")  # type: ignore[arg-type]
    try:
        issuer = url.removesuffix("/mcp")
        verifier = "p" * 64
        client_id, authorize = _asking(issuer, url, "ledger:write", verifier)
        context = chromium.new_context()
        came_back: list[str] = []

        def app(route: Any) -> None:  # the app's own site: a page with a link, and its callback
            if route.request.url.startswith(CALLBACK):
                came_back.append(route.request.url)
                route.fulfill(status=200, content_type="text/html", body="<h1>Connected</h1>")
            else:
                route.fulfill(status=200, content_type="text/html", body=f'<a href="{authorize}">Connect worktrail</a>')

        context.route(f"{APP}/**", app)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{APP}/start")
        page.get_by_role("link", name="Connect worktrail").click()
        page.wait_for_url("**/login?next=*")
        page.get_by_label("API key").fill(key)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/oauth/consent?*")
        assert page.get_by_role("heading", name="Allow Assistant to use this ledger as you?").is_visible()
        text = page.content()
        assert "registered here, unverified" in text and "assistant.example" in text and "ledger:write" in text
        shot(page, "oauth-consent")
        page.get_by_role("button", name="Approve").click()
        page.wait_for_url(f"{CALLBACK}*")
        back = {k: v[0] for k, v in parse_qs(urlsplit(came_back[-1]).query).items()}
        assert back["state"] == "st" and back["iss"] == issuer
        # Signed in to the board now: from the app's site again, straight to the consent page (the
        # SameSite=Strict cookie rides the board's own hop), and Deny.
        page.goto(f"{APP}/start")
        page.get_by_role("link", name="Connect worktrail").click()
        page.wait_for_url("**/oauth/consent?*hop=1")
        page.get_by_role("button", name="Deny").click()
        page.wait_for_url(f"{CALLBACK}*")
        denied = {k: v[0] for k, v in parse_qs(urlsplit(came_back[-1]).query).items()}
        assert denied == {"error": "access_denied", "state": "st", "iss": issuer}
        token = httpx2.post(f"{issuer}/token", data={"grant_type": "authorization_code", "code": back["code"],
                                                      "redirect_uri": CALLBACK, "client_id": client_id,
                                                      "code_verifier": verifier}, timeout=30)  # fmt: skip
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}", "Content-Type": "application/json",
                   "Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-11-25"}  # fmt: skip
        call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "ts.auth.whoami", "arguments": {}}}
        answer = httpx2.post(url, content=json.dumps(call), headers=headers, timeout=30).json()
        assert answer["result"]["structuredContent"]["role"] == "member"
        # The person takes the app's access back on the board's Keys page: its next call is refused,
        # and so is a refresh with its refresh token.
        page.goto(f"{issuer}/keys")
        row = page.get_by_role("row").filter(has_text="Assistant")
        assert "ledger:write" in row.inner_text()
        shot(page, "oauth-connected-apps")
        row.get_by_role("button", name="Revoke").click()
        page.wait_for_url("**/keys?done=disconnected")
        assert "App disconnected" in page.content() and page.get_by_text("No app is connected.").is_visible()
        context.close()
        refused = httpx2.post(url, content=json.dumps(call), headers=headers, timeout=30)
        assert refused.status_code == 401 and "invalid_token" in refused.headers["www-authenticate"]
        refresh = httpx2.post(f"{issuer}/token", data={"grant_type": "refresh_token", "client_id": client_id,
                                                        "refresh_token": token.json()["refresh_token"]}, timeout=30)  # fmt: skip
        assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant", refresh.text
    finally:
        stop(process)


def test_a_person_without_a_key_pastes_a_one_time_address_and_gives_an_app_less_than_it_asked(
    initialised: tuple[Path | str, str], chromium: Any
) -> None:
    db, key = initialised
    process, url, _ = start_http_on_any_port(db, "--auth", "oauth")  # type: ignore[arg-type]
    try:
        issuer = url.removesuffix("/mcp")
        address = cli_link(db, cli_person(db, key, "Mira"), issuer)
        verifier = "q" * 64
        client_id, authorize = _asking(issuer, url, "ledger:read ledger:write ledger:admin", verifier)
        context = chromium.new_context()
        came_back: list[str] = []

        def app(route: Any) -> None:
            came_back.append(route.request.url)
            route.fulfill(status=200, content_type="text/html", body="<h1>Connected</h1>")

        context.route(f"{APP}/**", app)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(authorize)
        page.wait_for_url("**/login?next=*")
        page.get_by_label("Or a one-time sign-in address").fill(address)
        page.get_by_role("button", name="Sign in with the address").click()
        page.wait_for_url("**/oauth/consent?*")
        assert page.get_by_role("radio", name="ledger:write").is_checked(), "every scope asked: ledger:write first"
        assert page.get_by_role("radio", name="ledger:admin").count() == 0, "a member gives no more than their role"
        shot(page, "oauth-consent-choice")
        page.get_by_role("radio", name="ledger:read").check()
        page.get_by_role("button", name="Approve").click()
        page.wait_for_url(f"{CALLBACK}*")
        context.close()
        code = parse_qs(urlsplit(came_back[-1]).query)["code"][0]
        token = httpx2.post(f"{issuer}/token", data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
                                                      "client_id": client_id, "code_verifier": verifier}, timeout=30)  # fmt: skip
        assert token.status_code == 200 and token.json()["scope"] == "ledger:read", token.text
    finally:
        stop(process)
