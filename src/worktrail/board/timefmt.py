"""Time as people read it: `4 min ago`, `in 2 h`, `ran 3 min 12 s`. The exact moment stays in the
page, in `<time datetime=... title=...>` (UTC without JavaScript; board.js shows it local)."""

from __future__ import annotations

from datetime import UTC, datetime

from markupsafe import Markup, escape

from worktrail.domain.clock import parse_ts

UNITS = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))


def _moment(at: str | datetime) -> datetime:
    """The moment a value names; ValueError for a value that is no timestamp."""
    if isinstance(at, datetime):
        return at
    try:
        return parse_ts(at)
    except ValueError:  # another tool's form (fractions of a second, an offset): read it if it is ISO 8601
        moment = datetime.fromisoformat(at)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def duration(seconds: float) -> str:
    """A span in at most two units, rounded down: `12 s`, `3 min 12 s`, `2 h 5 min`, `3 d 4 h`."""
    left = max(0, int(seconds))
    if left == 0:
        return "0 s"
    parts = []
    for unit, size in UNITS:
        if left >= size:
            parts.append(f"{left // size} {unit}")
            left %= size
        elif parts:  # the next unit after the largest is shown even when 0 is skipped: `2 h`, not `2 h 0 min`
            break
        if len(parts) == 2:
            break
    return " ".join(parts)


def ago(at: str | datetime | None, now: datetime) -> str:
    """How far `at` is from `now`, in its largest unit: `4 min ago`, `in 2 h`, `just now`; `-` for none."""
    if not at:
        return "-"
    seconds = int((now - _moment(at)).total_seconds())
    if abs(seconds) < 1:
        return "just now"
    size_unit = next((u, s) for u, s in UNITS if abs(seconds) >= s)
    amount = f"{abs(seconds) // size_unit[1]} {size_unit[0]}"
    return f"{amount} ago" if seconds > 0 else f"in {amount}"


def exact(at: str | datetime) -> str:
    """The moment in full, for a title: `2026-12-07 13:20:37 UTC`."""
    return _moment(at).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def when(at: str | None, now: datetime) -> Markup:
    """`<time>` reading `4 min ago`, with the moment in `datetime` and (for hover) in `title`."""
    if not at:
        return Markup("-")
    try:
        return Markup('<time datetime="{}" title="{}">{}</time>').format(at, exact(at), ago(at, now))
    except (TypeError, ValueError):  # no timestamp after all: the value shows as it is
        return escape(str(at))


def ran(start: str | None, end: str | None, now: datetime) -> str:
    """A run's length: `ran 3 min 12 s` once it ended, `running for 2 min` until then, `not started`."""
    if not start:
        return "not started"
    if end:
        return f"ran {duration((_moment(end) - _moment(start)).total_seconds())}"
    return f"running for {duration((now - _moment(start)).total_seconds())}"
