"""worktrail as its own OAuth 2.1 authorization server (`serve --http --auth oauth`): the SDK's
`OAuthAuthorizationServerProvider` over the ledger, so that the SDK's routes and handlers do the
protocol (request parsing, PKCE S256, exact redirect matching, the token and registration
endpoints) and every record lives in the ledger, where any process serves any step.

`authorize` sends the browser to the board's consent page (board/consent.py), which signs the
person in first; the code it issues comes back through `load_authorization_code`. A client_id
that is an https URL is a client ID metadata document's address (client_documents.py): fetched
when the ledger holds no fresh copy, and kept there with its freshness, for every process."""

from __future__ import annotations

import ipaddress
import logging
import math
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    RefreshToken,
    RegistrationError,
    TokenError,
)  # fmt: skip
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken

from worktrail.domain.clock import Clock, SystemClock, parse_ts
from worktrail.domain.oauth_tokens import ACCESS_TTL
from worktrail.domain.scopes import SCOPES
from worktrail.store.oauth.grants import Issued
from worktrail.store.store import Store
from worktrail.transport.http.client_documents import ClientDocuments, is_document_url
from worktrail.transport.http.client_secrets import TOKEN_AUTH_METHODS
from worktrail.transport.http.public_addresses import FetchRefused
from worktrail.transport.http.rate_limit import DOCUMENT_FETCHES_PER_HOUR, Buckets, document_fetches

log = logging.getLogger(__name__)

CONSENT_PATH = "/oauth/consent"
# The address a registration comes from, set by the route's gate (oauth_routes.py) for the provider.
REGISTERING_FROM: ContextVar[str | None] = ContextVar("registering_from", default=None)
# Why a client's metadata document was refused, for the route that asked (oauth_routes.py) to say:
# the reason, and the seconds to wait when the refusal is the fetch budget's.
DOCUMENT_REFUSALS: ContextVar[list[tuple[str, float | None]] | None] = ContextVar("document_refusals", default=None)
# The address an /authorize comes from, whose budget a document fetch it causes draws on.
FETCHING_FOR: ContextVar[str | None] = ContextVar("fetching_for", default=None)
# Redirect schemes a client may never register: they run or read in the browser itself.
_NEVER = frozenset({"javascript", "data", "file", "vbscript", "about", "blob"})
# A registration (or a metadata document's stale copy) no code or grant has named within this long is removed.
_UNUSED_FOR = timedelta(hours=24)
# Registration fields kept as the client's metadata (the rest: ids and secrets, issued here).
_ISSUED = {"client_id", "client_secret", "client_id_issued_at", "client_secret_expires_at"}


def loopback_host(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def redirect_problem(uri: str) -> str | None:
    """Why a redirect URI may not be registered (None: it may): https, http to a loopback host, or
    a private-use scheme such as cursor://."""
    parts = urlsplit(uri)
    if parts.fragment:
        return f"redirect URI {uri} has a fragment"
    if parts.scheme == "https" or parts.scheme in _NEVER:
        return None if parts.scheme == "https" else f"redirect URI {uri} has a scheme that is never allowed"
    if parts.scheme == "http":
        return None if loopback_host(parts.hostname or "") else f"redirect URI {uri}: http only to a loopback host"
    return None  # a private-use scheme (RFC 8252 7.1)


def same_resource(given: str, ours: str) -> bool:
    return given.rstrip("/") == ours.rstrip("/")


def client_info(row: dict[str, Any]) -> OAuthClientInformationFull:
    """A stored client as the SDK's handlers see it, never with a secret (the ledger keeps only its
    hash): a confidential client's is checked by `HashedSecretAuthenticator` (client_secrets.py).
    It may ask for any of the ledger's scopes, whatever it registered with: the SDK's /authorize
    refuses a scope not registered, which would make a step-up to a wider one (step_up.py)
    impossible; what it gets is the person's to approve, never above their role."""
    asked = str(row["metadata"].get("scope") or "").split()
    scope = " ".join([*asked, *(s for s in SCOPES if s not in asked)])
    return OAuthClientInformationFull.model_validate({**row["metadata"], "client_id": row["id"], "client_secret": None,
                                                      "scope": scope})  # fmt: skip


def _token(issued: Issued) -> OAuthToken:
    return OAuthToken(access_token=issued.access_token, token_type="Bearer", expires_in=issued.expires_in,
                      refresh_token=issued.refresh_token, scope=issued.grant["scope"])  # fmt: skip


def _refused(why: str, wait: float | None = None) -> None:
    log.warning("client metadata document refused: %s", why)
    said = DOCUMENT_REFUSALS.get()
    if said is not None:
        said.append((why, wait))


@dataclass
class LedgerProvider:
    """The SDK's provider protocol, answered from the ledger. `issuer`: this server's public
    address; `resource`: its `/mcp` (every token is bound to it)."""

    store: Store
    issuer: str
    resource: str
    clock: Clock = field(default_factory=SystemClock)
    documents: ClientDocuments = field(default_factory=ClientDocuments)
    fetches: Buckets = field(default_factory=document_fetches)  # the process's: Limits.document_fetches

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        row = await self.client_row(client_id)
        return None if row is None else client_info(row)

    async def client_row(self, client_id: str) -> dict[str, Any] | None:
        """The ledger's record of a client, a metadata document's fetched again first when its
        copy is stale (on the fetch budget of the address in FETCHING_FOR); None: unknown, or
        its document refused (the reason in DOCUMENT_REFUSALS)."""
        row = await self.store.oauth_clients.get(client_id)
        if is_document_url(client_id) and (row is None or row["kind"] == "document"):
            now = self.clock.now()
            if row is None or row["fresh_until"] is None or parse_ts(row["fresh_until"]) <= now:
                row = await self._fetch_document(client_id, now)
        return row

    async def _fetch_document(self, url: str, now: datetime) -> dict[str, Any] | None:
        address = FETCHING_FOR.get()
        wait = 0.0 if address is None else self.fetches.take(address)
        if wait:
            why = (f"too many client metadata documents fetched for {address} (over {DOCUMENT_FETCHES_PER_HOUR} an "
                   f"hour); try again in {math.ceil(wait)} s")  # fmt: skip
            return _refused(why, wait)
        try:
            fetched = await self.documents.fetch(url, now, redirect_problem)
        except FetchRefused as refused:
            return _refused(str(refused))
        await self.store.oauth_clients.forget_unused(now - _UNUSED_FOR)
        await self.store.oauth_clients.remember_document(url, fetched.metadata, now, now + fetched.fresh_for)
        return await self.store.oauth_clients.get(url)

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        method = client_info.token_endpoint_auth_method
        if method not in TOKEN_AUTH_METHODS:
            raise RegistrationError("invalid_client_metadata", f"token_endpoint_auth_method {method} is not one this server "
                                    f"takes: send one of {', '.join(TOKEN_AUTH_METHODS)}")  # fmt: skip
        for uri in client_info.redirect_uris or []:
            problem = redirect_problem(str(uri))
            if problem is not None:
                raise RegistrationError("invalid_redirect_uri", problem)
        now = self.clock.now()
        await self.store.oauth_clients.forget_unused(now - _UNUSED_FOR)
        metadata = client_info.model_dump(mode="json", exclude_none=True, exclude=_ISSUED)
        # A confidential client's secret (the SDK's handler made it) is answered once, and kept hashed.
        await self.store.oauth_clients.register(metadata, now, secret=client_info.client_secret,
                                                client_id=client_info.client_id, address=REGISTERING_FROM.get())  # fmt: skip

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        if params.resource is not None and not same_resource(params.resource, self.resource):
            raise AuthorizeError("invalid_target", f"this server's resource is {self.resource}, not {params.resource}")
        asked = {
            "client_id": client.client_id, "redirect_uri": str(params.redirect_uri), "code_challenge": params.code_challenge,
            "explicit": "1" if params.redirect_uri_provided_explicitly else "0", "scope": " ".join(params.scopes or []),
            "state": params.state or "", "resource": self.resource,
        }  # fmt: skip
        return f"{self.issuer}{CONSENT_PATH}?{urlencode(asked)}"

    async def load_authorization_code(self, client: OAuthClientInformationFull, authorization_code: str) -> Any:
        assert client.client_id is not None
        row = await self.store.oauth_grants.code(authorization_code, client.client_id, self.clock.now())
        if row is None:
            return None
        return AuthorizationCode(
            code=authorization_code, scopes=row["scope"].split(), expires_at=parse_ts(row["expires_at"]).timestamp(),
            client_id=client.client_id, code_challenge=row["code_challenge"], redirect_uri=row["redirect_uri"],
            redirect_uri_provided_explicitly=bool(row["redirect_uri_explicit"]), resource=row["audience"],
            subject=row["resource_id"],
        )  # fmt: skip

    async def exchange_authorization_code(self, client: OAuthClientInformationFull, authorization_code: Any) -> OAuthToken:
        assert client.client_id is not None
        issued = await self.store.oauth_grants.redeem(authorization_code.code, client.client_id, self.clock.now())
        if issued is None:
            raise TokenError("invalid_grant", "authorization code was used already or has expired")
        return _token(issued)

    async def load_refresh_token(self, client: OAuthClientInformationFull, refresh_token: str) -> Any:
        assert client.client_id is not None
        row = await self.store.oauth_grants.refresh_grant(refresh_token, client.client_id)
        if row is None:
            return None
        return RefreshToken(token=refresh_token, client_id=client.client_id, scopes=row["scope"].split(),
                            resource=row["audience"], subject=row["resource_id"])  # fmt: skip

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: Any, scopes: list[str]
    ) -> OAuthToken:
        assert client.client_id is not None
        issued = await self.store.oauth_grants.refresh(refresh_token.token, client.client_id, self.clock.now())
        if issued is None:
            raise TokenError("invalid_grant", "refresh token was used already: sign in again")
        return _token(issued)

    async def load_access_token(self, token: str) -> Any:
        now = self.clock.now()
        bearer = await self.store.oauth_grants.bearer(token, now, now - ACCESS_TTL)
        if bearer is None:
            return None
        return AccessToken(token=token, client_id=bearer.client_id, scopes=bearer.scope.split(),
                           expires_at=int(bearer.expires_at.timestamp()), resource=bearer.audience)  # fmt: skip

    async def revoke_token(self, token: Any) -> None:
        await self.store.oauth_grants.revoke_token(token.token, self.clock.now())
