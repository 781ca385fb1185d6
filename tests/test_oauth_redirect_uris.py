"""Which redirect URIs an app may register on `serve --http --auth oauth` (issue 29): none whose
scheme or host holds what RFC 3986 does not allow there (a `;` or `*` would be read by the
consent page's Content-Security-Policy as a new directive), and no network protocol's scheme
passing for a private-use one; the consent page names the app's origin rebuilt from its parts,
and refuses a return address stored before this check."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest

from tests.oauth_sign_in import open_consent
from tests.test_oauth_flow import oauth_server  # noqa: F401 (a fixture)
from worktrail.domain.clock import SystemClock
from worktrail.store.store import Store

pytestmark = [pytest.mark.anyio, pytest.mark.processes]

PUBLIC = {"client_name": "c", "token_endpoint_auth_method": "none"}
INJECTED = "x-evil://a;script-src*/cb"


def _register(issuer: str, uri: str) -> httpx2.Response:
    return httpx2.post(f"{issuer}/register", json={**PUBLIC, "redirect_uris": [uri]}, timeout=30)


def _authorize(issuer: str, url: str, client_id: str, uri: str) -> str:
    asked = {"response_type": "code", "client_id": client_id, "redirect_uri": uri, "code_challenge": "c" * 43,
             "code_challenge_method": "S256", "state": "s", "resource": url}  # fmt: skip
    return str(httpx2.URL(f"{issuer}/authorize", params=asked))


def test_a_redirect_uri_whose_scheme_or_host_holds_a_delimiter_is_refused(oauth_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    issuer, _, _ = oauth_server
    for uri in (INJECTED, "x-evil://a,b/cb", "x-evil://h'o\"st/cb", "x-evil://a*/cb", "x-evil://u@host/cb",
                "x-evil://h%01st/cb", "https://a;b.example/cb"):  # fmt: skip
        refused = _register(issuer, uri)
        assert refused.status_code == 400, (uri, refused.text)
        assert "characters its scheme or host may not hold" in refused.json()["error_description"], refused.text


def test_a_network_protocols_scheme_is_no_private_use_one(oauth_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    issuer, _, _ = oauth_server
    for uri in ("ftp://evil.example/cb", "ws://evil.example/cb", "wss://evil.example/cb", "gopher://evil.example/cb",
                "ldap://evil.example/cb", "mailto:a@evil.example", "tel:+15550100", "ssh://evil.example/cb"):  # fmt: skip
        refused = _register(issuer, uri)
        assert refused.status_code == 400 and "not a private-use one" in refused.json()["error_description"], refused.text
    for uri in ("cursor://anysphere.cursor-retrieval/oauth/callback", "vscode://vscode.github-authentication/did-authenticate",
                "windsurf://codeium.windsurf/oauth", "com.example.app:/oauth2redirect"):  # fmt: skip
        assert _register(issuer, uri).status_code == 201, uri


async def test_the_consent_page_names_the_apps_origin_from_its_parts_and_refuses_one_stored_unchecked(
    oauth_server, initialised: tuple[Path | str, str],  # type: ignore[no-untyped-def]  # noqa: F811
) -> None:
    issuer, url, key = oauth_server
    good = "x-app://Host.example:8/cb"
    client_id = _register(issuer, good).json()["client_id"]
    async with httpx2.AsyncClient(timeout=30, headers={"Origin": issuer}) as browser:
        page = await open_consent(browser, _authorize(issuer, url, client_id, good), issuer, key)
    assert page.status_code == 200, page.text
    assert page.headers["content-security-policy"].endswith("form-action 'self' x-app://host.example:8")
    store = await Store.open(str(initialised[0]))  # the ledger the server serves
    try:  # registered before this server checked (a ledger upgraded from an earlier worktrail)
        stored = await store.oauth_clients.register({**PUBLIC, "redirect_uris": [INJECTED]}, SystemClock().now())
    finally:
        await store.close()
    async with httpx2.AsyncClient(timeout=30, headers={"Origin": issuer}) as browser:
        page = await open_consent(browser, _authorize(issuer, url, stored, INJECTED), issuer, key)
    assert page.status_code == 400 and "must register again" in page.text, page.text
    assert "script-src" not in page.headers["content-security-policy"]
