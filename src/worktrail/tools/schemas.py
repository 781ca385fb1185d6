"""JSON Schemas as clients need them, generated from the pydantic models.

Draft-07 clean: no `$schema`, no `$ref` (every definition inlined: MCP Inspector cannot resolve
nested `$defs`), no pydantic `title` noise, no `default: null`, no `null` branch for an optional
field. Output schemas are `anyOf [success, error envelope]`, because the TypeScript SDK 1.x
validates `structuredContent` even on `isError` results; they carry the fields every answer has and
their types, not prose (a model reads the tool's description, and every character of a schema is
paid for in its context).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel

# The error branch of every output schema, as small as every client accepts (MCP Inspector 0.15, on
# the TypeScript SDK 1.x, validates structuredContent even on isError results; the TypeScript SDK
# 2.x and the Python SDK skip it). The envelope's codes and details are said once, in the server
# instructions, instead of in each of the tools.
ERROR_ENVELOPE: dict[str, Any] = {"required": ["error"]}

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


def _lean(schema: Any) -> Any:
    """What every answer is sure to carry: the required fields and their types, no prose, no
    `additionalProperties: true` (the default). Optional fields appear in answers when they are
    set; the schema does not forbid them, so it stays true while costing a client less."""
    if isinstance(schema, list):
        return [_lean(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "description" or (key == "additionalProperties" and value is True):
            continue
        if key == "properties":
            required = set(schema.get("required", ()))
            out[key] = {name: _lean(sub) for name, sub in value.items() if name in required}
        else:
            out[key] = _lean(value)
    return out


@cache
def output_schema(result: type[BaseModel]) -> dict[str, Any]:
    """The output schema of a tool: its result model or the error envelope (computed once; do not mutate)."""
    success = _lean(clean(result.model_json_schema(mode="serialization")))
    return {"type": "object", "anyOf": [success, ERROR_ENVELOPE]}
