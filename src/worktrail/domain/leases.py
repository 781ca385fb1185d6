"""A task's lease (ts.tsk.claim): who holds it and until when, as the task's columns say it.

A claim leases the task to its claimant for a length (at least `SHORTEST`); any write of the
holder to the task renews it by that length, another's write never does. The lease ends (its
columns emptied) when the task leaves `active` (the TASK lifecycle's `clears`) or is given to
someone else; a lease that ran out is ended by the stale-run sweep (store/recovery.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from worktrail.domain.clock import format_ts, parse_ts
from worktrail.domain.durations import parse_duration

# What a task keeps of its lease: all three set while it is held, all NULL otherwise.
COLUMNS = ("lease_holder_id", "lease_expires_at", "lease_seconds")
SHORTEST = timedelta(seconds=5)
DEFAULT = "30m"


def lease_seconds(text: str) -> int:
    """The length of a lease as written (`"30m"`), in seconds; ValueError saying the fix otherwise."""
    length = parse_duration(text)
    if length < SHORTEST:
        raise ValueError(f'{text!r} is shorter than the shortest lease, 5s: write e.g. "30s" or "30m"')
    return int(length.total_seconds())


def expiry(now: str, seconds: int) -> str:
    """When a lease of `seconds` taken or renewed at `now` runs out."""
    return format_ts(parse_ts(now) + timedelta(seconds=seconds))


def taken(holder_id: str, now: str, seconds: int) -> dict[str, Any]:
    """The columns of a lease `holder_id` takes at `now`."""
    return {"lease_holder_id": holder_id, "lease_expires_at": expiry(now, seconds), "lease_seconds": seconds}


def ended() -> dict[str, Any]:
    """The columns of a task no one holds."""
    return dict.fromkeys(COLUMNS)


def after_write(task: Mapping[str, Any], writer_id: str | None, values: Mapping[str, Any], now: str) -> dict[str, Any]:
    """What a write of `writer_id` (its columns `values`) does to the task's lease: renewed when the
    holder writes, ended when the task goes to someone else; nothing otherwise (a move out of
    `active` ends it through the lifecycle)."""
    holder = task.get("lease_holder_id")
    if holder is None or values.get("status", task["status"]) != "active":
        return {}
    if "assignee_id" in values and values["assignee_id"] != holder:
        return ended()
    if writer_id == holder:
        return {"lease_expires_at": expiry(now, int(task["lease_seconds"]))}
    return {}
