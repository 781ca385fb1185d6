"""Ritual schedules: manual, a fixed interval, or a 5-field cron expression, and when each is due.

Cron expressions are parsed and stepped by croniter, never by hand. Every time is UTC.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from worktrail.domain.durations import parse_duration

INTERVAL_PATTERN = r"^[1-9][0-9]{0,4}[mhdw]$"
_INTERVAL = re.compile(INTERVAL_PATTERN)
CRON_FIELDS = "minute hour day-of-month month day-of-week"
MANUAL: dict[str, Any] = {"type": "manual"}


def check_interval(every: str) -> str:
    """`30m`, `2h`, `1d`, `2w`: a whole number from 1 and a unit (m, h, d, w)."""
    if not _INTERVAL.match(every):
        raise ValueError(f'must be a whole number and a unit m, h, d or w, e.g. "30m", "2h", "1d", "2w"; got {every!r}')
    return every


def interval(every: str) -> timedelta:
    """The length of an interval written like `30m`."""
    return parse_duration(every)


def check_cron(expression: str) -> str:
    """A standard 5-field cron expression (minute hour day-of-month month day-of-week), in UTC."""
    text = " ".join(expression.split())
    if len(text.split(" ")) != 5:
        raise ValueError(f'must have exactly 5 fields ({CRON_FIELDS}), e.g. "0 9 * * 1" for Mondays at 09:00 UTC')
    from croniter import croniter  # imported when a cron schedule is met: a server start never waits for it

    if not croniter.is_valid(text):
        raise ValueError(f'is not a valid cron expression ({CRON_FIELDS}), e.g. "*/15 * * * *" or "0 9 * * 1-5"')
    return text


def next_due(schedule: Mapping[str, Any], since: datetime) -> datetime | None:
    """When a ritual on `schedule` is next due, counting from `since` (its last run's start, or its
    creation); None for a manual schedule."""
    kind = schedule.get("type")
    if kind == "interval":
        return since + interval(schedule["every"])
    if kind == "cron":
        from croniter import croniter

        return croniter(schedule["expression"], since).get_next(datetime)
    return None
