"""A run's plan: steps chosen by the caller, nested under parents, kept in `sequence` order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from worktrail.domain.errors import ToolError


def _refusal(index: int, step_id: str, field: str, message: str) -> ToolError:
    return ToolError(
        "invalid_input",
        f"steps.{index} ({step_id!r}): {field} {message}",
        [{"loc": ["steps", index, field], "msg": message, "type": "value_error", "step_id": step_id}],
    )


def check_new_steps(new: Sequence[Mapping[str, Any]], existing: Mapping[str, str | None]) -> None:
    """New steps must have ids unused in the run, parents that exist (already or among the new
    ones), and no cycle. `existing`: each step id already in the run and its parent."""
    parents: dict[str, str | None] = dict(existing)
    for index, step in enumerate(new):
        if step["step_id"] in parents:
            raise _refusal(index, step["step_id"], "step_id", "is already a step of this run; step ids are unique")
        parents[step["step_id"]] = step.get("parent_step_id")
    for index, step in enumerate(new):
        parent = step.get("parent_step_id")
        if parent is not None and parent not in parents:
            raise _refusal(index, step["step_id"], "parent_step_id", f"{parent!r} is not a step of this run")
        seen = {step["step_id"]}
        while parent is not None:
            if parent in seen:
                raise _refusal(
                    index, step["step_id"], "parent_step_id", "makes a cycle: a step cannot be its own ancestor"
                )
            seen.add(parent)
            parent = parents.get(parent)


def nested(steps: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The top-level steps in `sequence` order, each with its `children`, nested the same way."""
    ordered = sorted(steps, key=lambda s: (s["sequence"], s["step_id"]))
    children: dict[str | None, list[dict[str, Any]]] = {}
    for step in ordered:
        children.setdefault(step.get("parent_step_id"), []).append(step)

    def grow(step: dict[str, Any]) -> dict[str, Any]:
        return {**step, "children": [grow(c) for c in children.get(step["step_id"], [])]}

    return [grow(s) for s in children.get(None, [])]
