"""JSON Schemas that callers give (a workflow's input and output), checked and applied by the
jsonschema library: a schema must be valid to be stored, and a value must satisfy it to be kept."""

from __future__ import annotations

from typing import Any

from worktrail.domain.errors import ToolError

_MAX_PROBLEMS = 20


def check_schema(schema: dict[str, Any], field: str) -> dict[str, Any]:
    """`schema` itself, when it is a valid JSON Schema (of the draft it names, else 2020-12)."""
    from jsonschema import Draft202012Validator, SchemaError  # imported on first use: 30 ms off every start
    from jsonschema.validators import validator_for

    try:
        validator_for(schema, default=Draft202012Validator).check_schema(schema)
    except SchemaError as error:
        where = "/".join(map(str, error.path)) or "(the root)"
        raise ToolError(
            "invalid_input",
            f"{field} is not a valid JSON Schema: at {where}: {error.message}",
            [{"loc": [field, *error.path], "msg": f"not a valid JSON Schema: {error.message}", "type": "json_schema"}],
        ) from None
    return schema


def check_value(schema: dict[str, Any] | None, value: Any, field: str) -> None:
    """`invalid_input` listing where `value` breaks `schema` (a missing schema accepts anything)."""
    if schema is None:
        return
    from jsonschema import Draft202012Validator
    from jsonschema.validators import validator_for

    validator = validator_for(schema, default=Draft202012Validator)(schema)
    problems = sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.path)))
    if not problems:
        return
    details = [
        {"loc": [field, *p.path], "msg": p.message, "type": f"json_schema.{p.validator}"}
        for p in problems[:_MAX_PROBLEMS]
    ]
    first = details[0]
    raise ToolError(
        "invalid_input",
        f"{field} does not match the workflow's schema: {'.'.join(map(str, first['loc']))}: {first['msg']}"
        + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
        details,
    )
