"""Ritual run rules beyond the lifecycle table (seed 000), each named for what it does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from worktrail.domain.fields import json_size
from worktrail.domain.finished import Outcome, check_not_finished

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


# A finished run's outcome is final (seed 000 answers a refused change with invalid_input).
FINISHED = Outcome(
    kind="ritual run",
    frozen=FROZEN_WHEN_FINISHED,
    refused_code="invalid_input",
    instead="start a new run with ts.rtr.create to record another outcome.",
)


def check_run_not_finished(run: Mapping[str, Any], changes: Mapping[str, Any], terminal: frozenset[str]) -> None:
    """A finished ritual run refuses any change to its outcome; only its metadata may still change."""
    check_not_finished(FINISHED, run["id"], run["status"], changes, terminal)
