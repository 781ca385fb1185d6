"""A finished run keeps its outcome: the one rule every run kind shares, declared per kind."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from worktrail.domain.errors import ErrorCode, ToolError


@dataclass(frozen=True)
class Outcome:
    """What a kind of run freezes once it is final, how it refuses, and what to do instead."""

    kind: str
    frozen: tuple[str, ...]
    refused_code: ErrorCode
    instead: str


def check_not_finished(
    outcome: Outcome, run_id: str, status: str, changes: Mapping[str, Any], terminal: frozenset[str]
) -> None:
    """A finished run refuses any change to its outcome; only its metadata may still change."""
    if status not in terminal:
        return
    frozen = [f for f in outcome.frozen if f in changes]
    if not frozen:
        return
    details: dict[str, Any] = {"current_status": status}
    if "status" in changes:
        details["requested_status"] = changes["status"]
    details.update(allowed=[], frozen_fields=frozen, changeable=["metadata"])
    raise ToolError(
        outcome.refused_code,
        f"{outcome.kind.capitalize()} {run_id} already finished ({status}); its {', '.join(frozen)} can no longer "
        f"change. Only metadata may still be updated; {outcome.instead}",
        details,
    )
