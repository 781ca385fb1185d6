"""Strict validation of a call's arguments against its tool's params model, refused in words."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from worktrail.domain.errors import ToolError
from worktrail.tools.params import Params
from worktrail.tools.plain_errors import plain_details, summary
from worktrail.tools.schemas import input_schema


def _extra_field_hint(loc: tuple[Any, ...], params: type[Params]) -> str:
    """How to fix an unknown key: the tool's own word on that field, or what it accepts there."""
    if len(loc) != 1:
        return "Remove it: the input schema lists what this object accepts."
    return params.FIELD_HINTS.get(str(loc[0])) or f"Accepted fields: {', '.join(params.model_fields)}."


def validate(tool_name: str, params: type[Params], arguments: dict[str, Any]) -> Params:
    """Strict JSON-mode validation, then the model's cross-field checks; `invalid_input` on failure."""
    try:
        validated = params.model_validate_json(json.dumps(arguments))
    except ValidationError as error:
        details = plain_details(error, tool_name, input_schema(params))
        for detail in details:
            if detail["type"] == "extra_forbidden":
                detail["hint"] = _extra_field_hint(tuple(detail["loc"]), params)
        raise ToolError("invalid_input", f"Invalid arguments for {tool_name}: {summary(details)}", details) from None
    validated.refine()
    return validated
