"""The catalogue: every tool worktrail serves, wired explicitly, and the toolsets that select them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, TypeVar

from worktrail.tools import listing
from worktrail.tools.listing import Listed

if TYPE_CHECKING:  # a server lists the shipped catalogue: the declarations' modules come with a call
    from worktrail.tools.declaration import Tool

# Every family, in the catalogue's order: a module (or package) under worktrail.tools with its TOOLS.
FAMILIES: tuple[str, ...] = (
    "auth", "resources", "endeavours", "tasks", "relations", "rituals", "runs", "names", "audit", "missions",
    "workflows", "executions",
)  # fmt: skip


def families() -> tuple[tuple[str, tuple[Tool, ...]], ...]:
    """Each family's name and declared tools (importing every family's module)."""
    return tuple((f, import_module(f"worktrail.tools.{f}").TOOLS) for f in FAMILIES)


@cache
def all_tools() -> tuple[Tool, ...]:
    """Every tool's whole declaration, in catalogue order."""
    return tuple(t for _, tools in families() for t in tools)


def __getattr__(name: str) -> object:
    # ALL_TOOLS imports every family: only those who ask for it pay that (a server lists from the
    # shipped catalogue and imports a family at its first call).
    if name == "ALL_TOOLS":
        return all_tools()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# core: the work itself (tasks, endeavours, rituals, runs, who is who); admin: the operator's tools
# (new resources, API keys, the audit trail), which an agent at work seldom needs in its context;
# team: what agents sharing one backlog use (a task's dependencies), beyond the core's budget.
TOOLSETS: tuple[str, ...] = ("core", "admin", "team", "missions", "workflows", "executions")

# Logging in is part of every selection: without it nothing else can be called.
ALWAYS = frozenset({"ts.auth.login", "ts.auth.whoami", "ts.auth.logout"})
# The login tools are not served over HTTP: the bearer header is the login.
NOT_OVER_HTTP = frozenset({"ts.auth.login", "ts.auth.logout"})


Entry = TypeVar("Entry", "Tool", Listed)


def select(toolsets: Iterable[str] | None = None) -> tuple[Tool, ...]:
    """The tools of the named toolsets (all when None); unknown names raise ValueError."""
    return _chosen(all_tools(), toolsets)


def listed(toolsets: Iterable[str] | None = None) -> tuple[Tool | Listed, ...]:
    """What `select` chooses, as the shipped catalogue lists it (no family imported: a registry
    imports one at its first call), or declared where nothing is shipped yet."""
    shipped = listing.shipped()
    return select(toolsets) if shipped is None else _chosen(shipped, toolsets)


def _chosen(entries: Sequence[Entry], toolsets: Iterable[str] | None) -> tuple[Entry, ...]:
    if toolsets is None:
        return tuple(entries)
    wanted = set(toolsets)
    unknown = wanted - set(TOOLSETS)
    if unknown:
        raise ValueError(f"unknown toolset(s): {', '.join(sorted(unknown))}; known: {', '.join(TOOLSETS)}")
    return tuple(t for t in entries if t.toolset in wanted or t.name in ALWAYS)


def schema_documents(tools: Iterable[Tool]) -> dict[str, dict[str, object]]:
    """What `tool_schemas/<name>.json` holds for each tool: its published name, doc and schemas."""
    from worktrail.tools.call_options import published_input_schema
    from worktrail.tools.schemas import output_schema

    return {
        t.name: {
            "name": t.name,
            "description": t.doc,
            "inputSchema": published_input_schema(t),
            "outputSchema": output_schema(t.result),
        }
        for t in tools
    }
