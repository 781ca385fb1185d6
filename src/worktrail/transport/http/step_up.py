"""The MCP specification's step-up over HTTP (`--auth oauth`): a `tools/call` that an app's grant
is too narrow for, where a wider scope would let it through (the person's own role allows the
tool), is answered before the call runs with 403 and `WWW-Authenticate: Bearer
error="insufficient_scope", scope="…", resource_metadata="…"`, so the client asks the person for
that scope and calls again.

The transport can tell from the tool's declaration alone (its `min_role`); what only the tool can
tell (a member changing another's resource) stays the tool's `forbidden`, whose details name the
scope (tools/registry.py). So does a call no scope would help (the person's role is too low: a
wider scope would be cut down to it again). An API key is never stepped up: its caller keeps the
tool's `forbidden`, as ever."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse
from starlette.types import Scope

from worktrail.domain.roles import at_least
from worktrail.domain.scopes import scope_for_role
from worktrail.tools.registry import Registry, UnknownTool
from worktrail.transport.http.bearer import KeyToken


class StepUp:
    """Which `tools/call` requests of a grant to refuse with `insufficient_scope`, and the answer."""

    def __init__(self, registry: Registry, metadata_url: str) -> None:
        self.registry = registry
        self.metadata_url = metadata_url

    def needed(self, scope: Scope, message: dict[str, Any]) -> tuple[str, str] | None:
        """(the tool, the scope it needs) when this request is a grant's call beyond its scope that
        the wider scope would let through; None when the call goes on."""
        token = getattr(scope.get("user"), "access_token", None)
        if not isinstance(token, KeyToken) or token.person_role is None or message.get("method") != "tools/call":
            return None
        params = message.get("params")
        name = params.get("name") if isinstance(params, dict) else None
        if not isinstance(name, str):
            return None
        try:
            spec = self.registry.find(name)
        except UnknownTool:
            return None  # the SDK answers an unknown tool
        wanted = scope_for_role(spec.min_role)
        if wanted is None or at_least(token.actor.role, spec.min_role) or not at_least(token.person_role, spec.min_role):
            return None
        return name, wanted

    def refusal(self, scope: Scope, message: dict[str, Any]) -> JSONResponse | None:
        """The 403 that asks the client to step up, or None when the call goes on."""
        found = self.needed(scope, message)
        if found is None:
            return None
        tool, wanted = found
        said = (f"{tool} needs the scope {wanted}, which this app was not granted: sign in from it again asking for "
                f"{wanted}")  # fmt: skip
        challenge = (f'Bearer error="insufficient_scope", scope="{wanted}", resource_metadata="{self.metadata_url}", '
                     f'error_description="{said}"')  # fmt: skip
        return JSONResponse({"error": "insufficient_scope", "error_description": said, "scope": wanted}, status_code=403,
                            headers={"WWW-Authenticate": challenge})  # fmt: skip
