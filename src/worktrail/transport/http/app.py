"""The HTTP app: the SDK's streamable HTTP app (`Server.streamable_http_app`) over the same
registry as stdio, stateless so that any process may serve any request, behind bearer API keys,
DNS-rebinding protection with an explicit allow-list read strictly, a body limit, limits per key
and on failed authentications per address, health routes and an access log.

Around the SDK's `/mcp` endpoint, outermost first: the access log; the Host check and the 413's
wording (refusals.py); the failed-authentication gate (rate_limit.py); the SDK's key check
(starlette's AuthenticationMiddleware with our KeyVerifier); the key's budget; the 401's wording;
the JSON-RPC screen (and, with `--auth oauth`, the step-up of an app's call beyond its scope); the
SDK's transport."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mcp.server.auth.routes import build_resource_metadata_url, create_protected_resource_routes
from mcp.server.auth.settings import AuthSettings
from mcp.server.transport_security import TransportSecuritySettings
from starlette.routing import Route
from starlette.types import ASGIApp

from worktrail.domain.scopes import DEFAULT_SCOPE, SCOPES
from worktrail.store.store import Store
from worktrail.tools.context import Session
from worktrail.tools.registry import Registry
from worktrail.transport.http.access_log import AccessLog, NoteCalls
from worktrail.transport.http.bearer import KeyVerifier, actor_of
from worktrail.transport.http.client_documents import ClientDocuments
from worktrail.transport.http.health import health_routes
from worktrail.transport.http.hosts import LOOPBACK
from worktrail.transport.http.oauth_provider import LedgerProvider
from worktrail.transport.http.oauth_routes import REGISTRATIONS_PER_HOUR, authorization_routes
from worktrail.transport.http.rate_limit import AuthFailureGate, KeyBudget, Limits
from worktrail.transport.http.refusals import KeyRequired, Refusals, Screened
from worktrail.transport.http.step_up import StepUp
from worktrail.transport.server import build_server
from worktrail.transport.tool_names import ToolNames

MCP_PATH = "/mcp"


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
    auth: str = "keys"  # "keys": API keys only, no OAuth discovery; "oauth": also an authorization server
    public_url: str | None = None
    # Client ID metadata documents (--auth oauth): hosts fetched from whatever their address, a CA to trust.
    client_metadata_hosts: tuple[str, ...] = ()
    client_metadata_ca: str | None = None
    registrations_per_hour: int = REGISTRATIONS_PER_HOUR  # dynamic registrations one address may make (--auth oauth)

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
    def issuer(self) -> str:
        """The address clients reach this server by: `--public-url`, else the bound one (with
        `--auth oauth`, which goes without a public URL only on loopback, the bound loopback address
        itself, never an --allowed-host name: an http issuer must be a loopback one)."""
        if self.public_url:
            return self.public_url
        if self.auth == "oauth":
            return f"{self.scheme}://{f'[{self.host}]' if ':' in self.host else self.host}:{self.port}"
        return f"{self.scheme}://{self.public_host}:{self.port}"

    @property
    def resource_url(self) -> str:
        return f"{self.issuer}{MCP_PATH}"

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


def ledger_provider(options: HttpOptions, store: Store) -> LedgerProvider:
    """The authorization server's provider for `--auth oauth` (the SDK's routes', and the board's
    consent page's): one fetch budget per address for both, the process's (`options.limits`)."""
    documents = ClientDocuments(options.client_metadata_hosts, options.client_metadata_ca)
    return LedgerProvider(store, options.issuer, options.resource_url, documents=documents,
                          fetches=options.limits.document_fetches)  # fmt: skip


def _discovery(options: HttpOptions, store: Store) -> tuple[list[Route], str | None]:
    """With `--auth oauth`: the RFC 9728 protected-resource metadata naming this server as the
    authorization server, and its URL for the 401. With `--auth keys`: nothing at all, since clients
    read any OAuth discovery answer as "do OAuth" and drop the key they were given."""
    if options.auth != "oauth":
        return [], None
    # Plain strings: the SDK's model keeps them as given (AnyHttpUrl would add a slash to the issuer).
    resource: Any = options.resource_url
    provider = ledger_provider(options, store)
    routes = create_protected_resource_routes(resource, [options.issuer], list(SCOPES), "worktrail")  # type: ignore[list-item]
    return [*routes, *authorization_routes(provider, options.registrations_per_hour)], str(
        build_resource_metadata_url(resource)
    )


def build_http_app(registry: Registry, options: HttpOptions) -> ASGIApp:
    """The whole ASGI app `serve --http` runs (its lifespan runs the SDK's session manager)."""
    server = build_server(registry, lambda ctx: Session(actor_of(ctx.request)), options.tool_names, options.otel)
    server.middleware.insert(0, NoteCalls())
    discovery, metadata_url = _discovery(options, registry.store)
    app = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        json_response=True,
        stateless_http=True,
        max_request_body_size=options.max_body,
        transport_security=options.security(),
        host=options.host,
        # No resource_server_url: the SDK would serve its metadata; ours (above) is served only with --auth oauth.
        auth=AuthSettings(issuer_url=options.issuer, resource_server_url=None),
        token_verifier=KeyVerifier(registry.store, resource=options.resource_url if options.auth == "oauth" else None),
        custom_starlette_routes=[*discovery, *health_routes(registry.store), *options.extra_routes],
    )
    mcp = next(r for r in app.router.routes if getattr(r, "path", None) == MCP_PATH)
    sdk_auth: Any = mcp.app  # type: ignore[attr-defined]
    screened = Screened(sdk_auth.app, options.max_body, StepUp(registry, metadata_url) if metadata_url else None)
    key_required = KeyRequired(screened, metadata_url, DEFAULT_SCOPE if metadata_url else None)
    mcp.app = KeyBudget(key_required, options.limits)  # type: ignore[attr-defined]
    gated = AuthFailureGate(app, MCP_PATH, options.limits)
    return AccessLog(Refusals(gated, MCP_PATH, options.allowed_hosts, options.max_body), options.log_json)
