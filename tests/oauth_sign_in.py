"""What a test needs to sign in with OAuth as a person and an app would: the SDK's OAuth client
(`OAuthClientProvider`) with its tokens in memory, and a person's browser completing the board's
sign-in and consent by plain HTTP requests. Shared by the OAuth test modules."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

REDIRECT = "http://127.0.0.1:9/callback"  # never reached: the test reads the redirect itself


class Memory:
    """The client's token storage, in memory."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


def form_fields(page: str) -> dict[str, str]:
    """The hidden fields of a page's forms, as a browser sends them back."""
    return {k: html.unescape(v) for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)}


async def open_consent(
    browser: httpx2.AsyncClient, authorize_url: str, issuer: str, key: str | None, link: str | None = None
) -> httpx2.Response:
    """What a person's browser does up to the consent page: /authorize, the hop back to the board
    (SameSite), the board's login with a key (or, with no key, the one-time address `link` pasted
    into the login page); the consent page's answer, whatever it is."""
    to_consent = (await browser.get(authorize_url)).headers["location"]
    assert to_consent.startswith(f"{issuer}/oauth/consent?")
    hop = await browser.get(to_consent)  # no cookie came along: the board's own page goes on (SameSite)
    assert hop.status_code == 200 and "hop=1" in hop.text
    to_login = (await browser.get(to_consent + "&hop=1")).headers["location"]
    assert to_login.startswith("/login?next=")
    consent_path = parse_qs(urlsplit(to_login).query)["next"][0]
    if link is None:
        logged_in = await browser.post(f"{issuer}/login", data={"api_key": key, "next": consent_path})
    else:
        login_page = await browser.get(issuer + to_login)
        assert 'action="/login/once"' in login_page.text and form_fields(login_page.text)["next"] == consent_path
        logged_in = await browser.post(f"{issuer}/login/once", data={"address": link, "next": consent_path})
    assert logged_in.status_code == 303 and logged_in.headers["location"] == consent_path
    return await browser.get(issuer + consent_path)


@asynccontextmanager
async def at_consent(
    authorize_url: str, issuer: str, key: str | None, link: str | None = None
) -> AsyncIterator[tuple[httpx2.AsyncClient, httpx2.Response]]:
    """A person's browser at the consent page (`open_consent`): (the browser, the page)."""
    async with httpx2.AsyncClient(timeout=30, headers={"Origin": issuer}) as browser:
        page = await open_consent(browser, authorize_url, issuer, key, link)
        assert page.status_code == 200 and "Approve" in page.text, page.text
        yield browser, page


async def sign_in_and_decide(
    authorize_url: str, issuer: str, key: str | None, decision: str = "approve", pages: list[str] | None = None,
    link: str | None = None, grant: str | None = None, redirect: str = REDIRECT,
) -> dict[str, str]:
    """What a person's browser does: /authorize, the board's login (`at_consent`), the consent page
    (its text added to `pages`), Approve (giving the access `grant`, else the one the page
    offers first) or Deny; the query of the redirect back to the app (at `redirect`)."""
    async with at_consent(authorize_url, issuer, key, link) as (browser, page):
        if pages is not None:
            pages.append(page.text)
        chosen = {"grant": grant} if grant else {}
        answer = await browser.post(f"{issuer}/oauth/consent", data={**form_fields(page.text), **chosen, "decision": decision})
        assert answer.status_code == 303, answer.text
        back = answer.headers["location"]
        assert back.startswith(redirect + "?"), back
        return {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}


def provider(
    url: str, issuer: str, key: str | None, storage: Memory | None = None, client_metadata_url: str | None = None,
    pages: list[str] | None = None, method: str = "none", link: str | None = None, callback_at: str = REDIRECT,
) -> OAuthClientProvider:
    """The SDK's OAuth client for `url`, whose person signs in with `key` (or the one-time address
    `link`) and approves; it is known by its metadata document at `client_metadata_url` when the
    server takes those, else registers with `method` (`none`: a public client). Its callback is at `callback_at`."""
    said: dict[str, str] = {}

    async def redirect(authorize_url: str) -> None:
        said["url"] = authorize_url

    async def callback() -> AuthorizationCodeResult:
        back = await sign_in_and_decide(said["url"], issuer, key, pages=pages, link=link, redirect=callback_at)
        return AuthorizationCodeResult(code=back["code"], state=back.get("state"), iss=back.get("iss"))

    metadata = OAuthClientMetadata(client_name="Test assistant", redirect_uris=[callback_at],  # type: ignore[list-item]
                                   token_endpoint_auth_method=method, grant_types=["authorization_code", "refresh_token"])  # fmt: skip
    return OAuthClientProvider(url, metadata, storage or Memory(), redirect, callback, client_metadata_url)


def signed_in_client(url: str, auth: Any) -> Client:
    return Client(streamable_http_client(url, http_client=httpx2.AsyncClient(auth=auth, timeout=60)))  # type: ignore[arg-type]
