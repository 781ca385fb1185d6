"""The authorization server's endpoints (`--auth oauth`): the SDK's own routes and handlers
(`create_auth_routes`: `/authorize`, `/token`, `/register`), with what they lack added around
them (and `/revoke` of our own, see `_revocation`): RFC 8414 metadata whose `issuer` is exactly the public URL and which says what this
server does (public clients, `none`, and confidential ones; `iss` in authorization responses;
client ID metadata documents; the ledger's scopes), a confidential client's secret checked against
its hash at `/token` and `/revoke` (client_secrets.py), `iss` (RFC 9207) on every redirect
`/authorize` sends back to a client, errors included, and, when a client's metadata document was
refused, the reason in `/authorize`'s answer instead of the SDK's "not found"."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from mcp.server.auth.handlers.metadata import MetadataHandler
from mcp.server.auth.handlers.register import RegistrationHandler
from mcp.server.auth.handlers.token import TokenHandler
from mcp.server.auth.middleware.client_auth import AuthenticationError
from mcp.server.auth.provider import construct_redirect_uri
from mcp.server.auth.routes import TOKEN_PATH, build_metadata, cors_middleware, create_auth_routes
from mcp.server.auth.settings import ClientRegistrationOptions, RevocationOptions
from mcp.server.transport_security import DEFAULT_MAX_REQUEST_BODY_SIZE, RequestBodyLimitMiddleware
from mcp.shared.auth import OAuthMetadata
from mcp.shared.inbound import MCP_PROTOCOL_VERSION_HEADER
from pydantic import AnyHttpUrl
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, request_response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from worktrail.domain.scopes import DEFAULT_SCOPE, SCOPES
from worktrail.transport.http.client_secrets import TOKEN_AUTH_METHODS, HashedSecretAuthenticator
from worktrail.transport.http.oauth_provider import (
    CODE_USED,
    CONSENT_PATH,
    DOCUMENT_REFUSALS,
    FETCHING_FOR,
    REGISTERING_FROM,
    TOKEN_ASKED,
    LedgerProvider,
    TokenAsked,
)  # fmt: skip
from worktrail.transport.http.rate_limit import address_of, retry_after

METADATA_PATH = "/.well-known/oauth-authorization-server"
# Registrations an address may make an hour (`--registrations-per-hour`): anyone may register, and
# the ledger must not fill up; but a hosted connector (claude.ai, ChatGPT) registers from its
# service's own addresses, one registration per person who adds the server.
REGISTRATIONS_PER_HOUR = 100
# The grants /token takes (the SDK's handler would also parse jwt-bearer, which this server refuses).
GRANT_TYPES = ("authorization_code", "refresh_token")
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class RegistrationGate:
    """In front of the SDK's `/register`: past `per_hour` registrations from one address, 429; else
    the address is handed to the provider, which records it with the client."""

    def __init__(self, app: ASGIApp, provider: LedgerProvider, per_hour: int = REGISTRATIONS_PER_HOUR) -> None:
        self.app, self.provider, self.per_hour = app, provider, per_hour

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        address = address_of(scope)
        since = self.provider.clock.now() - timedelta(hours=1)
        if await self.provider.store.oauth_clients.registered_since(address, since) >= self.per_hour:
            said = (f"Too many client registrations from this address (over {self.per_hour} an hour); try later "
                    "(the server's --registrations-per-hour sets the limit).")  # fmt: skip
            answer = JSONResponse({"error": "rate_limited", "error_description": said}, 429, headers=retry_after(3600))
            await answer(scope, receive, send)
            return
        token = REGISTERING_FROM.set(address)
        try:
            await self.app(scope, receive, send)
        finally:
            REGISTERING_FROM.reset(token)


class IssOnRedirects:
    """RFC 9207: `iss` on every authorization response the SDK's `/authorize` redirects to a
    client with (its errors; its redirect to our own consent page is not one)."""

    def __init__(self, app: ASGIApp, issuer: str) -> None:
        self.app, self.issuer = app, issuer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def adding(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (302, 303):
                headers = [(k, v) for k, v in message["headers"]]
                for i, (name, value) in enumerate(headers):
                    where = value.decode("latin-1")
                    if name == b"location" and not where.startswith(self.issuer + CONSENT_PATH):
                        headers[i] = (name, construct_redirect_uri(where, iss=self.issuer).encode("latin-1"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, adding)


class FetchingFor:
    """Around `/token` and `/revoke`: a client's metadata document fetched there (its copy went
    stale) draws on the requesting address's budget, as one fetched for `/authorize` does."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fetching = FETCHING_FOR.set(address_of(scope) if scope["type"] == "http" else None)
        try:
            await self.app(scope, receive, send)
        finally:
            FETCHING_FOR.reset(fetching)


class DocumentRefusals:
    """Around the SDK's `/authorize`: when the provider refused a client's metadata document, the
    SDK answers 400 "Client ID ... not found"; the client's developer is told why instead (the
    same error code, the reason as `error_description`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        said: list[tuple[str, float | None]] = []
        token, fetching = DOCUMENT_REFUSALS.set(said), FETCHING_FOR.set(address_of(scope) if scope["type"] == "http" else None)
        replaced = False

        async def telling(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start" and said and message["status"] == 400:
                replaced = True
                why, wait = said[-1]
                if wait is None:
                    answer = JSONResponse({"error": "invalid_request", "error_description": why}, 400,
                                          headers={"Cache-Control": "no-store"})  # fmt: skip
                else:  # the fetch budget's: the client may try again later
                    answer = JSONResponse({"error": "rate_limited", "error_description": why}, 429, headers=retry_after(wait))
                await answer(scope, receive, send)
            elif not replaced:
                await send(message)

        try:
            await self.app(scope, receive, telling)
        finally:
            DOCUMENT_REFUSALS.reset(token)
            FETCHING_FOR.reset(fetching)


def _metadata(provider: LedgerProvider, registration: ClientRegistrationOptions, revocation: RevocationOptions) -> OAuthMetadata:
    built = build_metadata(AnyHttpUrl(provider.issuer), None, registration, revocation)
    return OAuthMetadata.model_validate({
        **built.model_dump(mode="json", exclude_none=True), "issuer": provider.issuer, "scopes_supported": list(SCOPES),
        "token_endpoint_auth_methods_supported": TOKEN_AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": TOKEN_AUTH_METHODS,
        "authorization_response_iss_parameter_supported": True, "client_id_metadata_document_supported": True,
    })  # fmt: skip


def _revocation(provider: LedgerProvider) -> Any:
    """RFC 7009 revocation with the SDK's client authentication and the provider's loaders. Not
    the SDK's own handler: its request model requires `client_secret`, which a public client has
    not, so every public client's revocation was a 400."""
    authenticator = HashedSecretAuthenticator(provider)

    async def revoke(request: Request) -> Response:
        try:
            client = await authenticator.authenticate_request(request)
        except AuthenticationError as refused:
            return JSONResponse({"error": "invalid_client", "error_description": refused.message}, 401)  # RFC 6749 5.2
        token = (await request.form()).get("token")
        if not isinstance(token, str) or not token:
            return JSONResponse({"error": "invalid_request", "error_description": "token is required"}, 400)
        found = await provider.load_access_token(token) or await provider.load_refresh_token(client, token)
        if found is not None and found.client_id == client.client_id:  # another client's token: left alone
            await provider.revoke_token(found)
        return Response(status_code=200, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    return cors_middleware(revoke, ["POST", "OPTIONS"])


def _token(provider: LedgerProvider) -> Any:
    """The SDK's token handler, wrapped as the SDK wraps it (CORS outermost, then its body limit),
    with client secrets checked against their hashes; around it, what the handler leaves out: a
    grant type missing or not taken here is said so, naming the two this server takes, the
    `resource` asked is handed to the provider (RFC 8707: the handler does not pass it), and a code
    used before is answered as such (the handler says only that it "does not exist")."""
    handler = TokenHandler(provider, HashedSecretAuthenticator(provider))

    async def handle(request: Request) -> Response:
        form = await request.form()  # kept by the request: the handler reads the same form
        grant_type = form.get("grant_type")
        if not isinstance(grant_type, str) or not grant_type:  # the handler said ": Unable to extract tag ..."
            said = f"grant_type is required: send {' or '.join(GRANT_TYPES)}"
            return JSONResponse({"error": "invalid_request", "error_description": said}, 400, headers=_NO_STORE)
        if grant_type not in GRANT_TYPES:
            said = f"grant_type {grant_type} is not one this server takes: send {' or '.join(GRANT_TYPES)}"
            return JSONResponse({"error": "unsupported_grant_type", "error_description": said}, 400, headers=_NO_STORE)
        resource = form.get("resource")
        asked = TokenAsked(resource=resource if isinstance(resource, str) else None)
        token = TOKEN_ASKED.set(asked)
        try:
            answer = await handler.handle(request)
        finally:
            TOKEN_ASKED.reset(token)
        if asked.code_used and answer.status_code == 400:
            return JSONResponse({"error": "invalid_grant", "error_description": CODE_USED}, 400, headers=_NO_STORE)
        return answer

    limited = RequestBodyLimitMiddleware(request_response(handle), DEFAULT_MAX_REQUEST_BODY_SIZE)
    return CORSMiddleware(limited, allow_origins=["*"], allow_methods=["POST", "OPTIONS"],
                          allow_headers=[MCP_PROTOCOL_VERSION_HEADER])  # fmt: skip


def _registration(provider: LedgerProvider, options: ClientRegistrationOptions) -> Any:
    """The SDK's registration handler, wrapped as the SDK wraps it; a body that is not a JSON object
    is told so (the handler's answer began ": Invalid JSON")."""
    handler = RegistrationHandler(provider, options)

    async def handle(request: Request) -> Response:
        try:
            body = json.loads(await request.body())  # kept by the request: the handler reads the same body
        except ValueError:
            body = None
        if not isinstance(body, dict):
            said = ('the request body must be a JSON object of client metadata (RFC 7591), such as {"client_name": '
                    '"My app", "redirect_uris": ["http://127.0.0.1:33418/callback"], "token_endpoint_auth_method": '
                    '"none"}, sent with Content-Type: application/json')  # fmt: skip
            return JSONResponse({"error": "invalid_client_metadata", "error_description": said}, 400, headers=_NO_STORE)
        return await handler.handle(request)

    limited = RequestBodyLimitMiddleware(request_response(handle), DEFAULT_MAX_REQUEST_BODY_SIZE)
    return CORSMiddleware(limited, allow_origins=["*"], allow_methods=["POST", "OPTIONS"],
                          allow_headers=[MCP_PROTOCOL_VERSION_HEADER])  # fmt: skip


def authorization_routes(provider: LedgerProvider, registrations_per_hour: int = REGISTRATIONS_PER_HOUR) -> list[Any]:
    """`/.well-known/oauth-authorization-server`, `/authorize`, `/token`, `/register`, `/revoke`."""
    registration = ClientRegistrationOptions(enabled=True, valid_scopes=list(SCOPES), default_scopes=[DEFAULT_SCOPE])
    revocation = RevocationOptions(enabled=True)
    routes = create_auth_routes(provider, AnyHttpUrl(provider.issuer), None, registration, revocation)
    ours = MetadataHandler(_metadata(provider, registration, revocation))
    out: list[Any] = []
    for route in routes:
        if route.path == METADATA_PATH:
            route = Route(METADATA_PATH, endpoint=cors_middleware(ours.handle, ["GET", "OPTIONS"]), methods=["GET", "OPTIONS"])
        elif route.path == TOKEN_PATH:
            route = Route(TOKEN_PATH, endpoint=FetchingFor(_token(provider)), methods=["POST", "OPTIONS"])
        elif route.path == "/revoke":
            route = Route("/revoke", endpoint=FetchingFor(_revocation(provider)), methods=["POST", "OPTIONS"])
        elif route.path == "/register":
            gated = RegistrationGate(_registration(provider, registration), provider, registrations_per_hour)
            route = Route("/register", endpoint=gated, methods=["POST", "OPTIONS"])
        elif route.path == "/authorize":
            route.app = IssOnRedirects(DocumentRefusals(route.app), provider.issuer)
        out.append(route)
    return out
