"""Build the MCP server: `tools/list` and `tools/call` answered from the registry, in the names
each client was given."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import mcp.types as types
from mcp import MCPError
from mcp.server import Server, ServerRequestContext
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from worktrail import __version__
from worktrail.domain.errors import ERROR_CODES
from worktrail.tools.shipped_schemas import schemas_of
from worktrail.transport.tool_names import NameStyler, Style, ToolNames, style_for

if TYPE_CHECKING:  # a stdio server answers the handshake before it imports the registry
    from worktrail.tools.context import Session
    from worktrail.tools.declaration import Tool
    from worktrail.tools.listing import Listed
    from worktrail.tools.registry import Registry

# The families a server holds, each named with one of its tools; the instructions name those served.
FAMILIES = (
    ("tasks in endeavours", "ts.tsk.update"),
    ("recurring rituals and their runs", "ts.rtr.update"),
    ("missions with runs, plans and events", "ts.mrn.update"),
    ("workflows with runs and files", "ts.wrn.update"),
    ("executions", "ts.exe.update"),
    ("an audit trail", "ts.aud.list"),
    ("a heartbeat that keeps a long run from being swept as stale", "ts.run.heartbeat"),
)
# How a client logs in: with the login tool where it is served (stdio), else by its bearer key (HTTP).
LOGIN_BY_TOOL = (
    "Log in with ts.auth.login {api_key} unless the server was started with WORKTRAIL_API_KEY (ts.auth.whoami tells)."
)
LOGIN_BY_HEADER = "Every request carries its API key as Authorization: Bearer <key> (ts.auth.whoami tells whose)."
INSTRUCTIONS = (
    "A refused call answers isError with {error: {code, message, details}}: "
    f"code is one of {', '.join(ERROR_CODES)}; details name the field to fix ([{{loc, msg, type}}]) "
    "or, for a refused move, {current_status, requested_status, allowed}. Writes take idempotency_key: "
    "retry with the same key and arguments as often as needed, the work happens once and the answer is "
    "the first one. Updates take expected_version (the version you read): a conflict answer lists the "
    "changed_fields_since, so you can merge and retry."
)


REPLAY_META = "worktrail/idempotent_replay"


def client_name(ctx: ServerRequestContext[Any]) -> str | None:
    """The client's clientInfo.name, in either protocol era."""
    params = ctx.session.client_params
    return params.client_info.name if params is not None and params.client_info is not None else None


class Publication:
    """What one server publishes, in either name style: the tool list and the instructions."""

    def __init__(self, tools: Iterable[Tool | Listed], tool_names: ToolNames) -> None:
        self.mode = tool_names
        self.tools = tuple(tools)
        self.styler = NameStyler(t.name for t in self.tools)
        self._listings: dict[Style, list[types.Tool]] = {}

    def listing(self, style: Style) -> list[types.Tool]:
        """The tool list in one name style, made on the first `tools/list` that asks for it, with
        the JSON Schemas shipped in the package (building them from the models took ~80 ms)."""
        if style not in self._listings:
            self._listings[style] = [self._listed(t, style, *schemas_of(t)) for t in self.tools]
        return self._listings[style]

    def _listed(self, t: Tool | Listed, style: Style, input_schema: dict[str, Any], output_schema: dict[str, Any]) -> types.Tool:
        return types.Tool(
            name=t.name if style == "dotted" else t.underscore_name,
            description=self.styler.text(t.doc, style),
            input_schema=input_schema,
            output_schema=output_schema,
            annotations=types.ToolAnnotations(read_only_hint=True) if t.read_only else None,
        )

    def tokens(self, style: Style = "underscore") -> int:
        """What the tool list costs a model: the characters of each listed tool's JSON / 4."""
        wire = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in self.listing(style)]
        return sum(len(json.dumps(t, separators=(",", ":"), ensure_ascii=False)) for t in wire) // 4

    def style(self, client: str | None) -> Style:
        return style_for(self.mode, client)

    def instructions(self, client: str | None) -> str:
        """The server instructions, naming tools as this client was given them (and only those)."""
        served = {t.name for t in self.tools}
        held = "; ".join(f"{what} ({name})" for what, name in FAMILIES if name in served)
        login = LOGIN_BY_TOOL if "ts.auth.login" in served else LOGIN_BY_HEADER
        return self.styler.text(f"worktrail is a work ledger: {held}. {login} {INSTRUCTIONS}", self.style(client))


class WorktrailServer(Server[Any]):
    """The SDK's low-level server, carrying what it publishes: the stdio transport reads the
    instructions for a client from it once the handshake names the client."""

    def __init__(self, publication: Publication, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.publication = publication


def build_server(
    registry: Registry,
    session: Session | Callable[[ServerRequestContext[Any]], Session],
    tool_names: ToolNames = "auto",
    otel: bool = False,
) -> WorktrailServer:
    """A low-level SDK server. `session`: the login of its one client (stdio), or how to find the
    login of each request (HTTP: its bearer key). The SDK wraps every request in an OpenTelemetry
    span by default; that costs every call, so only `otel` keeps it."""
    session_of = session if callable(session) else lambda ctx: session
    publication = Publication(registry.tools, tool_names)

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=publication.listing(publication.style(client_name(ctx))))

    async def call_tool(ctx: ServerRequestContext[Any], params: types.CallToolRequestParams) -> types.CallToolResult:
        style = publication.style(client_name(ctx))
        from worktrail.tools.registry import UnknownTool  # imported by the registry's first call anyway

        try:
            outcome = await registry.call(params.name, params.arguments, session_of(ctx))
        except UnknownTool:
            listed = "tools/list" if style == "dotted" else "tools/list (names like ts_tsk_update)"
            raise MCPError(
                code=types.INVALID_PARAMS, message=f"Unknown tool: {params.name}. Call {listed} for the tools."
            ) from None
        payload = publication.styler.value(outcome.payload, style) if outcome.is_error else outcome.payload
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=json.dumps(payload, ensure_ascii=False))],
            structured_content=payload,
            is_error=outcome.is_error,
            # A replayed answer is the first call's body, unchanged: only _meta tells them apart.
            meta={REPLAY_META: True} if outcome.replayed else None,
        )

    async def discover(ctx: ServerRequestContext[Any], params: types.RequestParams | None) -> types.DiscoverResult:
        # The SDK's own answer, but with the instructions in the names this client is given.
        return types.DiscoverResult(
            supported_versions=list(MODERN_PROTOCOL_VERSIONS),
            capabilities=server.get_capabilities(protocol_version=ctx.protocol_version),
            instructions=publication.instructions(client_name(ctx)),
        )

    server = WorktrailServer(
        publication,
        "worktrail",
        version=__version__,
        instructions=publication.instructions(None),
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )
    server.add_request_handler("server/discover", types.RequestParams, discover)
    if not otel:
        server.middleware = [m for m in server.middleware if type(m).__name__ != "OpenTelemetryMiddleware"]
    return server
