"""Time as people read it on the board: "4 min ago", "in 2 h", in a `<time datetime>` element
whose title is the exact moment (the browser's local time is not known to the server: the title
says UTC; board.js puts the reader's local time there). Shared by every page: the Jinja global
`when` (also a filter: `at | when(now)`), the filter `relative`, and for runs `duration` ("3 min
12 s") and `ran` ("ran 3 min 12 s", "running for 2 min")."""

from __future__ import annotations

from datetime import UTC, date, datetime

from jinja2 import Environment
from markupsafe import Markup, escape

from worktrail.domain.clock import parse_ts

# (unit, seconds) from the largest: a span is said in the largest unit it holds at least once.
UNITS = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))


def moment(at: str) -> datetime | None:
    """A stored timestamp (2026-02-09T10:05:00Z) or date (2026-02-09, as midnight UTC); None for anything else."""
    try:
        return parse_ts(at) if len(at) == 20 else datetime.combine(date.fromisoformat(at), datetime.min.time(), UTC)
    except (TypeError, ValueError):
        return None


def span(seconds: int) -> str:
    """A span in its largest whole unit: `42 s`, `4 min`, `2 h`, `3 d`."""
    for unit, size in UNITS:
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return "0 s"


def relative(at: str | None, now: datetime) -> str:
    """How far `at` is from `now`, as a person says it: `just now`, `4 min ago`, `in 2 h`; `-` for nothing."""
    when = moment(at) if at else None
    if when is None:
        return at or "-"
    seconds = int((when - now).total_seconds())
    if abs(seconds) < 5:
        return "just now"
    return f"in {span(seconds)}" if seconds > 0 else f"{span(-seconds)} ago"


def when(at: str | None, now: datetime) -> Markup:
    """`at` relative to `now` in a `<time>` element: its `datetime` the stored ISO value, its
    title the exact moment, for hover and copy."""
    if not at:
        return Markup("-")
    exact = at.replace("T", " ").replace("Z", " UTC")
    return Markup(f'<time datetime="{escape(at)}" title="{escape(exact)}">{escape(relative(at, now))}</time>')


def duration(seconds: float) -> str:
    """A span in at most two units, rounded down: `12 s`, `3 min 12 s`, `2 h 5 min`, `3 d 4 h`."""
    left = max(0, int(seconds))
    parts: list[str] = []
    for unit, size in UNITS:
        if left >= size:
            parts.append(f"{left // size} {unit}")
            left %= size
        elif parts:  # `2 h`, not `2 h 0 min`
            break
        if len(parts) == 2:
            break
    return " ".join(parts) or "0 s"


def ran(start: str | None, end: str | None, now: datetime) -> str:
    """A run's length: `ran 3 min 12 s` once it ended, `running for 2 min` until then, `not started`."""
    began = moment(start) if start else None
    if began is None:
        return "not started"
    ended = moment(end) if end else None
    return f"ran {duration((ended - began).total_seconds())}" if ended else f"running for {duration((now - began).total_seconds())}"


def register(env: Environment) -> None:
    """Make `when(at, now)` (or `at | when(now)`), `at | relative(now)`, `seconds | duration` and
    `start | ran(end, now)` available to every template."""
    env.globals["when"] = when
    env.filters["when"] = when
    env.filters["relative"] = relative
    env.filters["duration"] = duration
    env.filters["ran"] = ran
