"""A tool's declaration: name, params, result, handler, toolset, docs, login and role.

Nothing is registered by importing: catalogs list the declared tools explicitly, and the registry
runs them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pydantic import BaseModel

from worktrail.tools.context import Call
from worktrail.tools.params import Params


@dataclass(frozen=True)
class Versioned:
    """A tool that changes one existing entity: its table, and which arguments name the entity
    (`keys`: argument -> column; by default the argument `id` is the column `id`)."""

    table: str
    keys: tuple[tuple[str, str], ...] = (("id", "id"),)

    def where(self, arguments: dict[str, Any]) -> dict[str, str]:
        """The columns and values that find the entity these arguments name."""
        return {column: str(arguments.get(param)) for param, column in self.keys}


Handler = Callable[[Call, Any], Awaitable[BaseModel]]

# Verbs of tools that change nothing in the ledger.
READ_VERBS = frozenset({"get", "list", "whoami", "get_step", "read", "stale"})


@dataclass(frozen=True)
class Tool:
    """A tool's whole declaration."""

    name: str
    params: type[Params]
    result: type[BaseModel]
    handler: Handler
    toolset: str
    summary: str
    description: str = ""
    needs_login: bool = True
    min_role: str = "viewer"
    # False for a write whose answer must never be replayed (a new API key is shown once).
    replayable: bool = True
    # Set for a tool that changes one existing entity: it takes expected_version.
    versioned: Versioned | None = None

    # Cached: the registry asks both on every call (frozen fields: the answer cannot change).
    @cached_property
    def takes_idempotency_key(self) -> bool:
        """Every write that may be replayed takes an idempotency_key."""
        return self.replayable and not self.read_only

    @cached_property
    def read_only(self) -> bool:
        """Whether the tool only reads (published as readOnlyHint): by its verb, `ts.<ns>.<verb>`."""
        return self.name.rsplit(".", 1)[-1] in READ_VERBS

    @property
    def underscore_name(self) -> str:
        """The name for clients that refuse dots (`ts.tsk.update` -> `ts_tsk_update`)."""
        return self.name.replace(".", "_")

    @property
    def doc(self) -> str:
        """Summary and description, as published in `tools/list`."""
        return f"{self.summary}\n\n{self.description}".strip()


def tool(
    name: str,
    *,
    params: type[Params],
    result: type[BaseModel],
    toolset: str,
    summary: str,
    description: str = "",
    needs_login: bool = True,
    min_role: str = "viewer",
    replayable: bool = True,
    versioned: Versioned | None = None,
) -> Callable[[Handler], Tool]:
    """Declare a tool around its async handler (nothing is registered: catalogs list tools explicitly)."""

    def declare(handler: Handler) -> Tool:
        return Tool(
            name, params, result, handler, toolset, summary, description, needs_login, min_role, replayable, versioned
        )

    return declare
