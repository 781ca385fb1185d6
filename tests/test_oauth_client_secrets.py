"""Confidential clients (issue 29): dynamic registration with `client_secret_post` or
`client_secret_basic` issues a secret, answered once and kept only as its hash; the SDK's own
OAuth client then signs in with it and calls tools, and `/token` and `/revoke` refuse a wrong
secret or none (401 `invalid_client`, as RFC 6749 5.2 says)."""

from __future__ import annotations

from pathlib import Path

import anyio
import httpx2
import pytest

from tests.conftest import peek
from tests.oauth_sign_in import Memory, provider, signed_in_client
from tests.test_oauth_flow import oauth_server  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.anyio, pytest.mark.processes]


def _refresh(issuer: str, form: dict[str, str], method: str, client_id: str, secret: str | None) -> httpx2.Response:
    """A refresh at /token, the client's secret sent the way its method says (None: not at all)."""
    if secret is not None and method == "client_secret_basic":
        return httpx2.post(f"{issuer}/token", data=form, auth=(client_id, secret), timeout=30)
    return httpx2.post(f"{issuer}/token", data={**form, **({"client_secret": secret} if secret else {})}, timeout=30)


@pytest.mark.parametrize("method", ["client_secret_post", "client_secret_basic"])
async def test_a_confidential_client_signs_in_with_its_secret_and_a_wrong_one_is_refused(
    oauth_server,  # type: ignore[no-untyped-def]  # noqa: F811
    initialised: tuple[Path | str, str],
    method: str,
) -> None:
    issuer, url, key = oauth_server
    storage = Memory()
    async with signed_in_client(url, provider(url, issuer, key, storage, method=method)) as agent:
        made = await agent.call_tool("ts.tsk.create", {"title": f"by a confidential client ({method})"})
    assert not made.is_error, made.structured_content
    client, tokens = storage.client, storage.tokens
    assert client is not None and tokens is not None and tokens.refresh_token is not None
    assert client.token_endpoint_auth_method == method and client.client_secret, "the secret is answered once"
    assert client.client_id is not None
    stored = await anyio.to_thread.run_sync(peek, initialised[0], "SELECT * FROM oauth_client WHERE id = ?", client.client_id)
    assert stored and client.client_secret not in repr(stored), "the secret is kept only as its hash"

    form = {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token, "client_id": client.client_id}
    for secret in (client.client_secret[:-1] + "0" if client.client_secret[-1] != "0" else "1", None):
        refused = _refresh(issuer, form, method, client.client_id, secret)
        assert refused.status_code == 401 and refused.json()["error"] == "invalid_client", refused.text
    if method == "client_secret_basic":  # the secret in the form instead of the header it registered for
        misplaced = _refresh(issuer, form, "client_secret_post", client.client_id, client.client_secret)
        assert misplaced.status_code == 401 and misplaced.json()["error"] == "invalid_client", misplaced.text
    rotated = _refresh(issuer, form, method, client.client_id, client.client_secret)
    assert rotated.status_code == 200, rotated.text

    revoke = {"token": rotated.json()["refresh_token"], "client_id": client.client_id}
    wrong = httpx2.post(f"{issuer}/revoke", data={**revoke, "client_secret": "not-it"}, auth=(client.client_id, "not-it"),
                        timeout=30)  # fmt: skip
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client", wrong.text  # RFC 6749 5.2
    assert _refresh(issuer, {**form, "refresh_token": revoke["token"]}, method, client.client_id,
                    client.client_secret).status_code == 200, "a refused revocation revoked nothing"  # fmt: skip
    secret = client.client_secret
    right = (httpx2.post(f"{issuer}/revoke", data=revoke, auth=(client.client_id, secret), timeout=30)
             if method == "client_secret_basic" else
             httpx2.post(f"{issuer}/revoke", data={**revoke, "client_secret": secret}, timeout=30))  # fmt: skip
    assert right.status_code == 200, right.text
