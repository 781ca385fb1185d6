"""Confidential clients' secrets at `/token` and `/revoke` (RFC 6749 2.3.1), checked against the
SHA-256 the ledger keeps.

The SDK's `ClientAuthenticator` compares the secret a client sends with the plain secret its
provider hands back, and the ledger has no plain secret to hand back (it keeps only the hash, as
it does for keys). The seam is a subclass: a public client (`none`) goes through the SDK's own
check unchanged; for `client_secret_post` and `client_secret_basic` the secret is read where
that method sends it and compared by hash (`OAuthClients.secret_matches`, hmac.compare_digest)."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote

from mcp.server.auth.middleware.client_auth import AuthenticationError, ClientAuthenticator
from mcp.shared.auth import OAuthClientInformationFull
from starlette.requests import Request

# The methods of a client that holds a secret; "none" is a public client's (PKCE alone).
SECRET_METHODS = ("client_secret_post", "client_secret_basic")
TOKEN_AUTH_METHODS = ["none", *SECRET_METHODS]


def _from_basic(request: Request, client_id: str) -> str:
    """The secret of `Authorization: Basic base64(id:secret)`, each part form-urlencoded."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        raise AuthenticationError("Missing or invalid Basic authentication in Authorization header")
    try:
        said_id, secret = base64.b64decode(header[6:], validate=True).decode("utf-8").split(":", 1)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise AuthenticationError("Invalid Basic authentication header") from None
    if unquote(said_id) != client_id:
        raise AuthenticationError("Client ID mismatch in Basic auth")
    return unquote(secret)


class _Loaded:
    """A provider that knows one client, already loaded (None: the id was not found)."""

    def __init__(self, client: OAuthClientInformationFull | None) -> None:
        self.client = client

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        return self.client


class HashedSecretAuthenticator(ClientAuthenticator):
    """The SDK's client authentication, with a confidential client's secret checked against the
    hash the ledger keeps (the SDK compares plain secrets, which the ledger does not have)."""

    def __init__(self, provider: Any) -> None:
        super().__init__(provider)
        self.clients = provider.store.oauth_clients

    async def authenticate_request(self, request: Request) -> OAuthClientInformationFull:
        form = await request.form()
        client_id = form.get("client_id")
        client = await self.provider.get_client(str(client_id)) if isinstance(client_id, str) and client_id else None
        if client is None or client.token_endpoint_auth_method not in SECRET_METHODS:
            # The SDK's own checks (public clients, and every refusal of an id), on the client loaded
            # here: asked again, a metadata document would be fetched twice a request.
            return await ClientAuthenticator(_Loaded(client)).authenticate_request(request)  # type: ignore[arg-type]
        if client.token_endpoint_auth_method == "client_secret_basic":
            secret = _from_basic(request, str(client_id))
        else:
            sent = form.get("client_secret")
            secret = sent if isinstance(sent, str) else ""
        if not secret:
            raise AuthenticationError("Client secret is required")
        if not await self.clients.secret_matches(str(client_id), secret):
            raise AuthenticationError("Invalid client_secret")
        return client
