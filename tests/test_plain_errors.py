"""Validation errors in plain words: the field, what was wrong, what is accepted; no pydantic
internals in any message, `loc` and `type` kept for programs, the input never echoed."""

from __future__ import annotations

import re
from typing import Any

import pytest

from worktrail.domain.errors import ToolError
from worktrail.tools.catalog import ALL_TOOLS
from worktrail.tools.registry import Registry
from worktrail.tools.schemas import input_schema

BY_NAME = {t.name: t for t in ALL_TOOLS}
INTERNALS = re.compile(
    r"Input should|Value error|Field required|Extra inputs|literal\[|function-|after validation|\[type="
)


def refusal(tool: str, arguments: dict[str, Any]) -> ToolError:
    with pytest.raises(ToolError) as caught:
        Registry.validate(BY_NAME[tool], arguments)
    assert caught.value.code == "invalid_input"
    return caught.value


@pytest.mark.parametrize(
    ("tool", "arguments", "said"),
    [
        ("ts.tsk.update", {"id": "t", "status": "finished"},
         'status: "finished" is not a task status; use one of planned, active, done, canceled'),
        ("ts.tsk.list", {"status": ["planned", "later"]},
         'status.1: "later" is not a task status; use one of planned, active, done, canceled'),
        ("ts.res.create", {"type": "robot", "name": "r"}, '"robot" is not a resource type; use one of human, agent'),
        ("ts.tsk.create", {}, "title: is required"),
        ("ts.tsk.create", {"title": ""}, "title: must not be empty"),
        ("ts.tsk.create", {"title": "x" * 501}, "title: must be at most 500 characters"),
        ("ts.tsk.update", {"id": 5}, "id: must be a string"),
        ("ts.tsk.update", {"id": "t", "title": None}, "title: must not be null; leave the field out"),
        ("ts.tsk.update", {"id": "t", "estimate": -1}, "estimate: must be 0 or more"),
        ("ts.tsk.update", {"id": "t", "metadata": []}, "metadata: must be a JSON object"),
        ("ts.tsk.list", {"limit": 501}, "limit: must be 500 or less"),
        ("ts.edv.create", {"name": "e", "goals": ["g"] * 51}, "goals: must have at most 50 items (it has 51)"),
        ("ts.tsk.update", {"id": "t", "due_date": "soon"}, "due_date: must be an ISO 8601 date"),
        ("ts.rtl.create", {"name": "r", "prompt": "p", "schedule": {"type": "interval", "every": "5x"}},
         "schedule.every: must be a whole number and a unit"),
        ("ts.tsk.update", {"id": "t", "bogus": 1}, "bogus: is not a field of this tool"),
    ],
)  # fmt: skip
def test_each_problem_is_said_in_words_naming_the_field(tool: str, arguments: dict[str, Any], said: str) -> None:
    refused = refusal(tool, arguments)
    assert said in refused.message
    assert not INTERNALS.search(refused.message)
    for detail in refused.details:
        assert set(detail) >= {"loc", "msg", "type"} and not INTERNALS.search(detail["msg"])


def test_union_tags_are_not_part_of_the_field_path() -> None:
    refused = refusal("ts.rtl.create", {"name": "r", "prompt": "p", "schedule": {"type": "manual", "every": "1d"}})
    assert refused.details[0]["loc"] == ["schedule", "every"] and refused.details[0]["type"] == "extra_forbidden"
    assert refused.details[0]["msg"] == "is not accepted in schedule"


def test_a_long_refused_choice_is_not_echoed() -> None:
    secretish = "wtk_" + "s" * 60
    refused = refusal("ts.tsk.update", {"id": "t", "status": secretish})
    assert secretish not in refused.message and "this value is not a task status" in refused.message


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_no_tool_ever_answers_with_pydantic_internals(name: str) -> None:
    """Every property of every tool, sent with the wrong type, and an unknown key."""
    properties = input_schema(BY_NAME[name].params)["properties"]
    wrong = {"string": 12, "integer": "x", "number": "x", "boolean": "x", "object": "x", "array": {"a": 1}}
    for prop, schema in properties.items():
        value = wrong.get(schema.get("type", "string"), 12)
        try:
            Registry.validate(BY_NAME[name], {prop: value})
        except ToolError as refused:
            assert not INTERNALS.search(refused.message), refused.message
    assert not INTERNALS.search(refusal(name, {"zz_unknown": 1}).message)
