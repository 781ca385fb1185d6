"""Errors are values: a code an agent can branch on, a message for a person, details for a fix."""

from __future__ import annotations

from typing import Any, Literal

ErrorCode = Literal[
    "not_authenticated",
    "session_expired",
    "forbidden",
    "not_found",
    "invalid_input",
    "invalid_transition",
    "conflict",
    "rate_limited",
    "payload_too_large",
    "internal_error",
]

ERROR_CODES: tuple[str, ...] = ErrorCode.__args__  # type: ignore[attr-defined]


class ToolError(Exception):
    """A refusal a tool answers with `isError: true` and `{"error": {code, message, details}}`."""

    def __init__(self, code: ErrorCode, message: str, details: Any = None, needs_role: str | None = None) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.message = message
        self.details = details
        # For `forbidden`: the role that would be allowed this (the registry tells an app's grant its scope).
        self.needs_role = needs_role

    def envelope(self) -> dict[str, Any]:
        """The error as the structured content of a tool result."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


def not_found(kind: str, entity_id: str) -> ToolError:
    """`not_found` for an entity kind and id, worded the same everywhere."""
    return ToolError("not_found", f"{kind.capitalize()} with id {entity_id!r} does not exist.", {"id": entity_id})


def invalid_field(field: str, message: str, hint: str | None = None) -> ToolError:
    """`invalid_input` about one field, shaped like a validation error so agents parse one form."""
    detail: dict[str, Any] = {"loc": [field], "msg": message, "type": "value_error"}
    if hint:
        detail["hint"] = hint
    return ToolError("invalid_input", f"{field}: {message}", [detail])


def forbidden(message: str, needs_role: str | None = None) -> ToolError:
    """`forbidden`: the caller is known but its role or relation to the entity does not allow this;
    `needs_role`: the role that would be allowed it (an app signed in with OAuth is told the scope)."""
    return ToolError("forbidden", message, needs_role=needs_role)
