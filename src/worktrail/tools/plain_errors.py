"""pydantic's validation errors in plain words: the field, what was wrong, what is accepted.

pydantic's own messages speak of its internals ("Input should be a valid string", "Value error,
...", union tags in the path). An agent needs `status: "finished" is not a task status; use one
of planned, active, done, canceled`. Each detail keeps `loc` (the field's path in the arguments,
union tags left out) and pydantic's `type` for programs; the input itself is never echoed, but
for the short word of a refused choice, which is what the caller needs to see to fix it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

# What a namespace's entities are called, for "is not a task status".
NOUNS = {"tsk": "task", "edv": "endeavour", "res": "resource", "rtl": "ritual", "rtr": "ritual run",
         "key": "API key", "aud": "audit"}  # fmt: skip

_TYPE_WORDS = {
    "string_type": "must be a string",
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "dict_type": "must be a JSON object",
    "model_type": "must be a JSON object",
    "list_type": "must be a list (a JSON array)",
    "missing": "is required",
    "extra_forbidden": "is not a field of this tool",
    "finite_number": "must be a finite number",
    "int_from_float": "must be a whole number",
}
_CHOICE = re.compile(r"'((?:[^'\\]|\\.)*)'")
_SHORT_ECHO = 40


def _bound(word: str, ctx: dict[str, Any]) -> Callable[[], str]:
    numbers = {k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in ctx.items()}
    return lambda: word.format(**numbers)


def _words(error: dict[str, Any], loc: list[Any], noun: str) -> str:
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    named = [step for step in loc if not isinstance(step, int)]
    field = str(named[-1]) if named else "value"
    if kind in _TYPE_WORDS and value is None and kind not in ("missing", "extra_forbidden"):
        return "must not be null; leave the field out to keep it as it is"
    if kind == "extra_forbidden" and len(named) > 1:
        return f"is not accepted in {named[-2]}"
    if kind in _TYPE_WORDS:
        return _TYPE_WORDS[kind]
    if kind in ("literal_error", "enum"):
        choices = ", ".join(_CHOICE.findall(str(ctx.get("expected", ""))))
        what = f"{noun} {field}" if noun else field
        shown = json.dumps(value) if isinstance(value, str) and len(value) <= _SHORT_ECHO else "this value"
        return f"{shown} is not a {what}; use one of {choices}"
    if kind == "string_too_short":
        return (
            "must not be empty"
            if ctx.get("min_length") == 1
            else "must be at least {min_length} characters".format(**ctx)
        )
    table: dict[str, Callable[[], str]] = {
        "string_too_long": _bound("must be at most {max_length} characters", ctx),
        "too_short": _bound("must have at least {min_length} item(s)", ctx),
        "too_long": _bound("must have at most {max_length} items (it has {actual_length})", ctx),
        "greater_than_equal": _bound("must be {ge} or more", ctx),
        "greater_than": _bound("must be more than {gt}", ctx),
        "less_than_equal": _bound("must be {le} or less", ctx),
        "less_than": _bound("must be less than {lt}", ctx),
        "string_pattern_mismatch": _bound("must match the pattern {pattern}", ctx),
    }
    if kind in table:
        return table[kind]()
    message = str(error["msg"])
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def clean_loc(loc: tuple[Any, ...], schema: dict[str, Any]) -> list[Any]:
    """The field's path in the arguments: union tags and pydantic's internal steps left out,
    following the input schema (a step that names no property of an object is not a field)."""
    path: list[Any] = []
    node: dict[str, Any] | None = schema
    for step in loc:
        if node is None:
            path.append(step)
            continue
        branches = node.get("oneOf") or node.get("anyOf")
        if branches and not isinstance(step, int) and step not in node.get("properties", {}):
            node = next((b for b in branches if b.get("properties", {}).get("type", {}).get("const") == step), None)
            continue  # a tag: it chose the branch, it is not a field
        path.append(step)
        if isinstance(step, int):
            node = node.get("items") if isinstance(node.get("items"), dict) else None
        else:
            node = node.get("properties", {}).get(step)
    return path


def plain_details(error: ValidationError, tool: str, schema: dict[str, Any]) -> list[dict[str, Any]]:
    """`{loc, msg, type}` per problem, in words, the input never echoed (but a short refused choice)."""
    noun = NOUNS.get(tool.split(".")[1] if tool.count(".") == 2 else "", "")
    details = []
    for raw in error.errors(include_url=False, include_context=True, include_input=True):
        loc = clean_loc(raw["loc"], schema)
        details.append({"loc": loc, "msg": _words(raw, loc, noun), "type": raw["type"]})
    return details


def summary(details: list[dict[str, Any]]) -> str:
    """The problems on one line: `field: words; field: words`."""
    parts = [f"{'.'.join(map(str, d['loc'])) or '(arguments)'}: {d['msg']}" for d in details[:5]]
    more = f" (and {len(details) - 5} more)" if len(details) > 5 else ""
    return "; ".join(parts) + more
