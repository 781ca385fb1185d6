"""ts.auth.*: log a session in with an API key, ask who it is, log it out."""

from __future__ import annotations

from pydantic import Field

from worktrail.tools.context import Call
from worktrail.tools.declaration import tool
from worktrail.tools.params import NoParams, Params
from worktrail.tools.results import Result


class LoginParams(Params):
    api_key: str = Field(min_length=1, max_length=256, description="An API key (shown once when it was created).")


class LoginResult(Result):
    resource_id: str = Field(description="The resource this session now acts as.")
    name: str = Field(description="That resource's name.")
    role: str = Field(description="Its role: owner, admin, member or viewer.")


class WhoAmI(LoginResult):
    type: str = Field(description="human, agent, service or team.")
    key_id: str = Field(description="ID of the API key this session logged in with.")


class LogoutResult(Result):
    logged_out: bool = Field(description="Always true: the session has no login now.")
    resource_id: str = Field(description="The resource that was logged out.")


@tool(
    "ts.auth.login",
    params=LoginParams,
    result=LoginResult,
    toolset="core",
    needs_login=False,
    replayable=False,
    summary="Log this session in with an API key.",
    description="Not needed when the server was started with WORKTRAIL_API_KEY. Logging in again switches keys.",
)
async def login(call: Call, p: LoginParams) -> LoginResult:
    actor = await call.store.keys.login(p.api_key, call.now)
    call.session.actor = actor
    return LoginResult(resource_id=actor.resource_id, name=actor.name, role=actor.role)


@tool(
    "ts.auth.whoami",
    params=NoParams,
    result=WhoAmI,
    toolset="core",
    summary="Show the resource, role and key this session acts with.",
)
async def whoami(call: Call, p: NoParams) -> WhoAmI:
    me = call.me
    resource = await call.store.resources.get(me.resource_id)
    return WhoAmI(resource_id=me.resource_id, name=me.name, role=me.role, type=resource["type"], key_id=me.key_id)


@tool(
    "ts.auth.logout",
    params=NoParams,
    result=LogoutResult,
    toolset="core",
    replayable=False,
    summary="End this session's login (the key itself stays valid; revoke it with ts.key.revoke).",
)
async def logout(call: Call, p: NoParams) -> LogoutResult:
    call.session.actor = None
    return LogoutResult(logged_out=True, resource_id=call.me.resource_id)


TOOLS = (login, whoami, logout)
