"""The catalogue: every tool worktrail serves, wired explicitly, and the toolsets that select them."""

from __future__ import annotations

from collections.abc import Iterable

from worktrail.tools import (
    audit,
    auth,
    endeavours,
    executions,
    missions,
    names,
    relations,
    resources,
    rituals,
    runs,
    tasks,
    workflows,
)
from worktrail.tools.call_options import published_input_schema
from worktrail.tools.declaration import Tool
from worktrail.tools.schemas import output_schema

ALL_TOOLS: tuple[Tool, ...] = (
    *auth.TOOLS,
    *resources.TOOLS,
    *endeavours.TOOLS,
    *tasks.TOOLS,
    *relations.TOOLS,
    *rituals.TOOLS,
    *runs.TOOLS,
    *names.TOOLS,
    *audit.TOOLS,
    *missions.TOOLS,
    *workflows.TOOLS,
    *executions.TOOLS,
)

# core: the work itself (tasks, endeavours, rituals, runs, who is who); admin: the operator's tools
# (new resources, API keys, the audit trail), which an agent at work seldom needs in its context;
# team: what agents sharing one backlog use (a task's dependencies), beyond the core's budget.
TOOLSETS: tuple[str, ...] = ("core", "admin", "team", "missions", "workflows", "executions")

# Logging in is part of every selection: without it nothing else can be called.
ALWAYS = frozenset({"ts.auth.login", "ts.auth.whoami", "ts.auth.logout"})
# The login tools are not served over HTTP: the bearer header is the login.
NOT_OVER_HTTP = frozenset({"ts.auth.login", "ts.auth.logout"})


def select(toolsets: Iterable[str] | None = None) -> tuple[Tool, ...]:
    """The tools of the named toolsets (all when None); unknown names raise ValueError."""
    if toolsets is None:
        return ALL_TOOLS
    wanted = set(toolsets)
    unknown = wanted - set(TOOLSETS)
    if unknown:
        raise ValueError(f"unknown toolset(s): {', '.join(sorted(unknown))}; known: {', '.join(TOOLSETS)}")
    return tuple(t for t in ALL_TOOLS if t.toolset in wanted or t.name in ALWAYS)


def schema_documents(tools: Iterable[Tool]) -> dict[str, dict[str, object]]:
    """What `tool_schemas/<name>.json` holds for each tool: its published name, doc and schemas."""
    return {
        t.name: {
            "name": t.name,
            "description": t.doc,
            "inputSchema": published_input_schema(t),
            "outputSchema": output_schema(t.result),
        }
        for t in tools
    }
