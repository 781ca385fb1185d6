"""The HTTP app: the SDK's streamable HTTP app (`Server.streamable_http_app`) over the same
registry as stdio, stateless so that any process may serve any request, behind bearer API keys,
DNS-rebinding protection with an explicit allow-list read strictly, a body limit, limits per key
and on failed authentications per address, health routes and an access log.

Around the SDK's `/mcp` endpoint, outermost first: the access log; the Host check and the 413's
wording (refusals.py); the failed-authentication gate (rate_limit.py); the SDK's key check
(starlette's AuthenticationMiddleware with our KeyVerifier); the key's budget; the 401's wording;
the JSON-RPC screen; the SDK's transport."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mcp.server.auth.settings import AuthSettings
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp

from worktrail.tools.context import Session
from worktrail.tools.registry import Registry
from worktrail.transport.http.access_log import AccessLog, NoteCalls
from worktrail.transport.http.bearer import KeyVerifier, actor_of
from worktrail.transport.http.health import health_routes
from worktrail.transport.http.hosts import LOOPBACK
from worktrail.transport.http.rate_limit import AuthFailureGate, KeyBudget, Limits
from worktrail.transport.http.refusals import KeyRequired, Refusals, Screened
from worktrail.transport.server import build_server
from worktrail.transport.tool_names import ToolNames

MCP_PATH = "/mcp"
METADATA_PATH = "/.well-known/oauth-protected-resource/mcp"
# The login tools are not served over HTTP: the bearer header is the login.
NOT_OVER_HTTP = frozenset({"ts.auth.login", "ts.auth.logout"})


@dataclass(frozen=True)
class HttpOptions:
    """How `serve --http` listens and what it lets in."""

    host: str = "127.0.0.1"
    port: int = 8765
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    max_body: int = 16 * 1024 * 1024
    limits: Limits = field(default_factory=Limits)  # shared with the board beside /mcp
    tls_cert: str | None = None
    tls_key: str | None = None
    behind_tls_proxy: bool = False
    log_json: bool = False
    tool_names: ToolNames = "auto"
    otel: bool = False
    extra_routes: tuple[Any, ...] = field(default=())

    @property
    def tls(self) -> bool:
        """Whether clients reach this server over TLS (its own, or a proxy's)."""
        return bool(self.tls_cert) or self.behind_tls_proxy

    @property
    def public_host(self) -> str:
        """The name clients reach this server by: the first allowed host, else the bound address."""
        if self.allowed_hosts:
            return self.allowed_hosts[0]
        return f"[{self.host}]" if ":" in self.host else self.host

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    @property
    def resource_url(self) -> str:
        return f"{self.scheme}://{self.public_host}:{self.port}{MCP_PATH}"

    def security(self) -> TransportSecuritySettings:
        """Host and Origin allow-lists: loopback always, plus the names given (never off)."""
        hosts = [*LOOPBACK, *self.allowed_hosts]
        origins = [f"{scheme}://{h}:*" for h in LOOPBACK for scheme in ("http", "https")]
        origins += [f"{scheme}://{h}" for h in self.allowed_hosts for scheme in ("http", "https")]
        origins += [f"{scheme}://{h}:*" for h in self.allowed_hosts for scheme in ("http", "https")]
        return TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=[*hosts, *(f"{h}:*" for h in hosts)],
            allowed_origins=[*origins, *self.allowed_origins],
        )


def _metadata_route(resource: str) -> Route:
    """RFC 9728 protected-resource metadata. API keys have no authorization server to name, so
    this is ours, not the SDK's (its model requires one)."""
    document = {"resource": resource, "bearer_methods_supported": ["header"], "resource_name": "worktrail"}

    async def metadata(request: Request) -> JSONResponse:
        return JSONResponse(document)

    return Route(METADATA_PATH, metadata, methods=["GET"])


def build_http_app(registry: Registry, options: HttpOptions) -> ASGIApp:
    """The whole ASGI app `serve --http` runs (its lifespan runs the SDK's session manager)."""
    server = build_server(registry, lambda ctx: Session(actor_of(ctx.request)), options.tool_names, options.otel)
    server.middleware.insert(0, NoteCalls())
    resource = options.resource_url
    app = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        json_response=True,
        stateless_http=True,
        max_request_body_size=options.max_body,
        transport_security=options.security(),
        host=options.host,
        auth=AuthSettings(issuer_url=resource, resource_server_url=resource, validate_token_resource=False),
        token_verifier=KeyVerifier(registry.store),
        custom_starlette_routes=[_metadata_route(resource), *health_routes(registry.store), *options.extra_routes],
    )
    # Ours answers at the metadata path; the SDK's would list an authorization server there.
    sdk_metadata = next(r for r in app.router.routes if getattr(r, "path", None) == METADATA_PATH)
    app.router.routes.remove(sdk_metadata)
    mcp = next(r for r in app.router.routes if getattr(r, "path", None) == MCP_PATH)
    sdk_auth: Any = mcp.app  # type: ignore[attr-defined]
    screened = Screened(sdk_auth.app, options.max_body)
    key_required = KeyRequired(screened, sdk_auth.required_scopes, sdk_auth.resource_metadata_url)
    mcp.app = KeyBudget(key_required, options.limits)  # type: ignore[attr-defined]
    gated = AuthFailureGate(app, MCP_PATH, options.limits)
    return AccessLog(Refusals(gated, MCP_PATH, options.allowed_hosts, options.max_body), options.log_json)
