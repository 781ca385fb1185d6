"""JSON Schemas as clients need them, generated from the pydantic models.

Draft-07 clean: no `$schema`, no `$ref` (every definition inlined: MCP Inspector cannot resolve
nested `$defs`), no pydantic `title` noise, no `default: null`, no `null` branch for an optional
field. Output schemas are `anyOf [success, error envelope]`, because the TypeScript SDK validates
`structuredContent` even on `isError` results.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel

from worktrail.domain.errors import ERROR_CODES

ERROR_ENVELOPE: dict[str, Any] = {
    "type": "object",
    "description": "A refused call: what went wrong and how to fix it.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "enum": list(ERROR_CODES), "description": "Stable code to branch on."},
                "message": {"type": "string", "description": "What went wrong, for a person."},
                "details": {
                    "description": "How to fix the call: failing fields for invalid_input, "
                    "current and allowed statuses for a refused transition."
                },
            },
            "required": ["code", "message"],
            "additionalProperties": False,
        }
    },
    "required": ["error"],
    "additionalProperties": False,
}

_SUBSCHEMA_KEYS = ("items", "additionalProperties", "not", "contains")
_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")


def clean(schema: dict[str, Any], defs: dict[str, Any] | None = None) -> dict[str, Any]:
    """A pydantic schema made portable: refs inlined, titles, null defaults and null branches dropped."""
    defs = schema.get("$defs", {}) if defs is None else defs
    if "$ref" in schema:
        target = clean(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
        siblings = clean({k: v for k, v in schema.items() if k != "$ref"}, defs)
        return {**target, **siblings}
    out: dict[str, Any] = {}
    for key, value in schema.items():
        # `discriminator` is OpenAPI, not JSON Schema, and its mapping points at the inlined $defs.
        if key in ("title", "$defs", "$schema", "discriminator") or (key == "default" and value is None):
            continue
        if key == "properties":
            out[key] = {name: clean(sub, defs) for name, sub in value.items()}
        elif key in _SUBSCHEMA_KEYS and isinstance(value, dict):
            out[key] = clean(value, defs)
        elif key in _SUBSCHEMA_LISTS:
            out[key] = [clean(sub, defs) for sub in value]
        else:
            out[key] = value
    return _drop_null_branch(out)


def _drop_null_branch(schema: dict[str, Any]) -> dict[str, Any]:
    branches = schema.get("anyOf")
    if not branches or {"type": "null"} not in branches:
        return schema
    rest = [b for b in branches if b != {"type": "null"}]
    merged = {k: v for k, v in schema.items() if k != "anyOf"}
    if len(rest) == 1:
        return {**rest[0], **merged}
    return {**merged, "anyOf": rest}


@cache
def input_schema(params: type[BaseModel]) -> dict[str, Any]:
    """The input schema of a tool: its params model, closed to unknown keys (computed once; do not mutate)."""
    schema = clean(params.model_json_schema(mode="validation"))
    schema["type"] = "object"
    schema["additionalProperties"] = False
    schema.setdefault("properties", {})
    return schema


@cache
def output_schema(result: type[BaseModel]) -> dict[str, Any]:
    """The output schema of a tool: its result model or the error envelope (computed once; do not mutate)."""
    success = clean(result.model_json_schema(mode="serialization"))
    return {"type": "object", "anyOf": [success, ERROR_ENVELOPE]}
