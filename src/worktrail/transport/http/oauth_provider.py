"""worktrail as its own OAuth 2.1 authorization server (`serve --http --auth oauth`): the SDK's
`OAuthAuthorizationServerProvider` over the ledger, so that the SDK's routes and handlers do the
protocol (request parsing, PKCE S256, redirect matching: exact, but for a loopback IP literal's
port, see `LedgerClient`; the token and registration endpoints) and every record lives in the
ledger, where any process serves any step.

`authorize` sends the browser to the board's consent page (board/consent.py), which signs the
person in first; the code it issues comes back through `load_authorization_code`. A client_id
that is an https URL is a client ID metadata document's address (client_documents.py): fetched
when the ledger holds no fresh copy, and kept there with its freshness, for every process."""

from __future__ import annotations

import logging
import math
import re
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
from mcp.shared.auth import InvalidRedirectUriError, OAuthClientInformationFull, OAuthToken
from pydantic import AnyUrl

from worktrail.domain.clock import Clock, SystemClock, parse_ts
from worktrail.domain.hosts import loopback_host
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


@dataclass
class TokenAsked:
    """What the SDK's token handler does not hand the provider, set by the route (oauth_routes.py):
    the `resource` a /token request names; and, back to the route, whether its code was used already."""

    resource: str | None = None
    code_used: bool = False


TOKEN_ASKED: ContextVar[TokenAsked | None] = ContextVar("token_asked", default=None)
# What /token answers a code used before (that use revoked the grant the code had become).
CODE_USED = "authorization code was already used: the access it gave is revoked; sign in again"
# Redirect schemes a client may never register: they run or read in the browser itself.
_NEVER = frozenset({"javascript", "data", "file", "vbscript", "about", "blob"})
# Schemes a network protocol owns: never a private-use one (RFC 8252 7.1), whatever app claims them.
_NETWORK = frozenset({
    "ftp", "ftps", "sftp", "ws", "wss", "gopher", "ldap", "ldaps", "mailto", "tel", "sms", "mms", "smb", "cifs", "nfs",
    "ssh", "telnet", "tn3270", "rlogin", "news", "nntp", "snews", "irc", "ircs", "imap", "imaps", "pop", "pop3", "smtp",
    "sip", "sips", "xmpp", "rtsp", "rtsps", "rtmp", "git", "svn", "dns", "dav", "davs", "tftp", "rsync", "vnc", "rdp",
    "redis", "rediss", "mongodb", "mysql", "postgres", "postgresql", "amqp", "amqps", "mqtt", "coap", "coaps", "geo", "urn",
})  # fmt: skip
# What a scheme (RFC 3986 3.1) and an authority's host and port may hold here: a host name or an IP
# literal, no user info, none of the sub-delimiters (`;`, `,`, `'`, `*`...) a browser reads in a header.
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")
_AUTHORITY = re.compile(r"(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
# A registration (or a metadata document's stale copy) no code or grant has named within this long is removed.
_UNUSED_FOR = timedelta(hours=24)
# Registration fields kept as the client's metadata (the rest: ids and secrets, issued here).
_ISSUED = {"client_id", "client_secret", "client_id_issued_at", "client_secret_expires_at"}


def redirect_problem(uri: str) -> str | None:
    """Why a redirect URI may not be registered (None: it may): https, http to a loopback host, or
    a private-use scheme such as cursor:// (one no network protocol owns); its scheme and authority
    hold only what RFC 3986 allows there, and a host name no more."""
    parts = urlsplit(uri)
    if parts.fragment:
        return f"redirect URI {uri} has a fragment"
    if not _SCHEME.fullmatch(parts.scheme) or (parts.netloc and not _AUTHORITY.fullmatch(parts.netloc)):
        return (f"redirect URI {uri!r} has characters its scheme or host may not hold: send a scheme of letters, digits, "
                "+ - . and a host name or IP address (with a port), no user info")  # fmt: skip
    if parts.scheme == "https" or parts.scheme in _NEVER:
        return None if parts.scheme == "https" else f"redirect URI {uri} has a scheme that is never allowed"
    if parts.scheme == "http":
        return None if loopback_host(parts.hostname or "") else f"redirect URI {uri}: http only to a loopback host"
    if parts.scheme in _NETWORK:
        return (f"redirect URI {uri} has the scheme of a network protocol ({parts.scheme}:), not a private-use one: "
                "use https, http to a loopback host, or a scheme of your own app's (RFC 8252 7.1: com.example.app:/cb)")  # fmt: skip
    return None  # a private-use scheme (RFC 8252 7.1)


def redirect_origin(uri: str) -> str:
    """The source a Content-Security-Policy names for a checked redirect URI (`redirect_problem` is
    None): rebuilt from its parsed scheme, host and port, never the URI's own text."""
    parts = urlsplit(uri)
    if not parts.netloc:
        return f"{parts.scheme}:"
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port is not None else "")


def same_resource(given: str, ours: str) -> bool:
    return given.rstrip("/") == ours.rstrip("/")


# Loopback IP literals whose redirect port may vary (RFC 8252 7.3): a native app's callback takes
# whatever port is free. Not `localhost`, which RFC 8252 8.3 advises against: exact match for it.
_ANY_PORT_HOSTS = frozenset({"127.0.0.1", "::1"})


def _same_but_port(asked: str, registered: str) -> bool:
    a, r = urlsplit(asked), urlsplit(registered)
    return (a.scheme == r.scheme == "http" and r.hostname in _ANY_PORT_HOSTS and a.hostname == r.hostname
            and (a.path, a.query, a.fragment, a.username, a.password) == (r.path, r.query, r.fragment, r.username, r.password))  # fmt: skip


class LedgerClient(OAuthClientInformationFull):
    """A client as the SDK's handlers see it: its redirect URI matched exactly, except the port of
    a loopback IP literal's (RFC 8252 7.3; OAuth 2.1)."""

    def validate_redirect_uri(self, redirect_uri: AnyUrl | None) -> AnyUrl:
        try:
            return super().validate_redirect_uri(redirect_uri)
        except InvalidRedirectUriError:
            if redirect_uri is not None and any(_same_but_port(str(redirect_uri), str(r)) for r in self.redirect_uris or []):
                return redirect_uri
            raise


def client_info(row: dict[str, Any]) -> OAuthClientInformationFull:
    """A stored client as the SDK's handlers see it, never with a secret (the ledger keeps only its
    hash): a confidential client's is checked by `HashedSecretAuthenticator` (client_secrets.py).
    It may ask for any of the ledger's scopes, whatever it registered with: the SDK's /authorize
    refuses a scope not registered, which would make a step-up to a wider one (step_up.py)
    impossible; what it gets is the person's to approve, never above their role."""
    asked = str(row["metadata"].get("scope") or "").split()
    scope = " ".join([*asked, *(s for s in SCOPES if s not in asked)])
    return LedgerClient.model_validate({**row["metadata"], "client_id": row["id"], "client_secret": None, "scope": scope})


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

    def _check_target(self, audience: str) -> None:
        """RFC 8707 at /token: the `resource` asked, if any, and the grant's audience are this
        server's /mcp (a grant bound to another server is that server's to refresh)."""
        asked = TOKEN_ASKED.get()
        if asked is not None and asked.resource is not None and not same_resource(asked.resource, self.resource):
            raise TokenError("invalid_target", f"this server's resource is {self.resource}, not {asked.resource}")
        if not same_resource(audience, self.resource):
            raise TokenError("invalid_target", f"this grant is bound to {audience}: use that server's token endpoint")

    async def _code_used(self, code: str, client_id: str) -> bool:
        used = await self.store.oauth_grants.was_used(code, client_id)
        asked = TOKEN_ASKED.get()
        if used and asked is not None:
            asked.code_used = True
        return used

    async def load_authorization_code(self, client: OAuthClientInformationFull, authorization_code: str) -> Any:
        assert client.client_id is not None
        row = await self.store.oauth_grants.code(authorization_code, client.client_id, self.clock.now())
        if row is None:
            await self._code_used(authorization_code, client.client_id)
            return None
        return AuthorizationCode(
            code=authorization_code, scopes=row["scope"].split(), expires_at=parse_ts(row["expires_at"]).timestamp(),
            client_id=client.client_id, code_challenge=row["code_challenge"], redirect_uri=row["redirect_uri"],
            redirect_uri_provided_explicitly=bool(row["redirect_uri_explicit"]), resource=row["audience"],
            subject=row["resource_id"],
        )  # fmt: skip

    async def exchange_authorization_code(self, client: OAuthClientInformationFull, authorization_code: Any) -> OAuthToken:
        assert client.client_id is not None
        self._check_target(authorization_code.resource)
        issued = await self.store.oauth_grants.redeem(authorization_code.code, client.client_id, self.clock.now())
        if issued is None:
            if await self._code_used(authorization_code.code, client.client_id):
                raise TokenError("invalid_grant", CODE_USED)
            raise TokenError("invalid_grant", "authorization code has expired: sign in again")
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
        self._check_target(refresh_token.resource)
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
