"""Ritual run rules beyond the lifecycle table (seed 000), each named for what it does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from worktrail.domain.errors import ToolError
from worktrail.domain.fields import json_size

# The seed's parameter table, in its order: `updated_fields` follows it, whatever the request's order.
UPDATE_FIELDS = ("status", "result_summary", "effects", "error", "metadata")

# What a finished run keeps for good: an outcome that can be rewritten later is not an outcome.
FROZEN_WHEN_FINISHED = ("status", "result_summary", "effects", "error")

TRIGGERS = ("manual", "schedule", "api")

EFFECTS_MAX_BYTES = 256 * 1024


def check_effects(value: dict[str, Any]) -> dict[str, Any]:
    """Effects are an object of at most 256 KiB as JSON."""
    size = json_size(value)
    if size > EFFECTS_MAX_BYTES:
        raise ValueError(f"effects is {size} bytes as JSON; the limit is {EFFECTS_MAX_BYTES} bytes (256 KiB)")
    return value


def check_not_finished(run: Mapping[str, Any], changes: Mapping[str, Any], terminal: frozenset[str]) -> None:
    """A finished run refuses any change to its outcome; only its metadata may still change."""
    if run["status"] not in terminal:
        return
    frozen = [f for f in FROZEN_WHEN_FINISHED if f in changes]
    if not frozen:
        return
    details: dict[str, Any] = {"current_status": run["status"]}
    if "status" in changes:
        details["requested_status"] = changes["status"]
    details.update(allowed=[], frozen_fields=frozen, changeable=["metadata"])
    raise ToolError(
        "invalid_input",
        f"Ritual run {run['id']} already finished ({run['status']}); its {', '.join(frozen)} can no longer change. "
        "Only metadata may still be updated; start a new run with ts.rtr.create to record another outcome.",
        details,
    )
