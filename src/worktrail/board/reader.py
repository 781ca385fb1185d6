"""A page's way to the ledger: tool calls through the registry, in-process, as the logged-in
person, so that roles, answers, masking and indexes are the ones agents get."""

from __future__ import annotations

from typing import Any

from worktrail.domain.actor import Actor
from worktrail.domain.roles import at_least
from worktrail.tools.answers import Outcome
from worktrail.tools.context import Session
from worktrail.tools.registry import Registry


class Refused(Exception):
    """A tool refused a page's read: its error code and message, shown as they are."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Reader:
    """The tools, called as one person for one request."""

    def __init__(self, registry: Registry, actor: Actor) -> None:
        self.registry = registry
        self.actor = actor

    async def call(self, tool: str, arguments: dict[str, Any], *, clears: bool = False) -> Outcome:
        """One call; the outcome as the tool answered it (an error is an answer too). An empty
        value is left out, unless `clears`: then `""` is sent, which clears a field (seed 001)."""
        arguments = {k: v for k, v in arguments.items() if v is not None and (clears or v != "")}
        return await self.registry.call(tool, arguments, Session(self.actor))

    async def ok(self, tool: str, **arguments: Any) -> dict[str, Any]:
        """The tool's answer, or `Refused` with its error."""
        outcome = await self.call(tool, arguments)
        if outcome.is_error:
            error = outcome.payload["error"]
            raise Refused(error["code"], error["message"])
        return outcome.payload

    def may(self, tool: str) -> bool:
        """Whether this person's role may call `tool` at all (the tool's own declaration says);
        the tool checks again, and the entity may still refuse."""
        return at_least(self.actor.role, self.registry.find(tool).min_role)
