"""Task rules beyond the lifecycle table, each named for what it does."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from worktrail.domain.clock import parse_ts
from worktrail.domain.errors import invalid_field

# The seed's parameter table, in its order: `updated_fields` follows it, whatever the request's order.
UPDATE_FIELDS = (
    "title",
    "description",
    "status",
    "endeavour_id",
    "assignee_id",
    "estimate",
    "actual",
    "due_date",
    "canceled_reason",
    "metadata",
)

# Fields where the empty string unlinks or clears (stored as NULL).
CLEARABLE = ("endeavour_id", "assignee_id", "due_date")


def cleared(values: Mapping[str, Any]) -> dict[str, Any]:
    """The values to store: `""` in a clearable field becomes NULL."""
    return {k: (None if k in CLEARABLE and v == "" else v) for k, v in values.items()}


def fill_actual_hours(stored: Mapping[str, Any], values: MutableMapping[str, Any], now: str) -> None:
    """On done, with no `actual` sent or stored, record the hours since `started_at` (to 0.1 h)."""
    if values.get("status") != "done" or "actual" in values or stored.get("actual") is not None:
        return
    started = stored.get("started_at")
    if started:
        hours = (parse_ts(now) - parse_ts(started)).total_seconds() / 3600
        values["actual"] = round(max(hours, 0.0), 1)


def check_reason_fits(current_status: str, values: Mapping[str, Any]) -> None:
    """`canceled_reason` belongs to a canceled task: accepted only when the task is or becomes canceled."""
    if "canceled_reason" in values and values.get("status", current_status) != "canceled":
        raise invalid_field(
            "canceled_reason",
            "is accepted only when the task is canceled or being canceled",
            hint='Send it with "status": "canceled", or leave it out.',
        )
