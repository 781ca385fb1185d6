"""Durations as people write them: a whole number and a unit, `30s`, `10m`, `24h`, `7d`, `2w`."""

from __future__ import annotations

import re
from datetime import timedelta

UNITS = {
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}
_DURATION = re.compile(r"^([+-]?[0-9]+)([smhdw])$")
# The longest duration taken: ten years (a longer one is a mistake, not a wish).
LONGEST = timedelta(days=3650)


def parse_duration(text: str) -> timedelta:
    """The length of `text` (a whole number from 1 and a unit s, m, h, d or w, at most ten years);
    ValueError, saying which rule it breaks, otherwise."""
    found = _DURATION.match(text.strip())
    if found is None:
        raise ValueError(f'{text!r} is not a duration: write a whole number and a unit s, m, h, d or w, e.g. "24h"')
    count = int(found.group(1))
    if count <= 0:
        raise ValueError(f'{text!r} must be greater than zero, e.g. "30{found.group(2)}"')
    if count > LONGEST // UNITS[found.group(2)]:
        raise ValueError(f"{text!r} is too long: at most ten years ({LONGEST.days}d)")
    return Written(count * UNITS[found.group(2)], f"{count}{found.group(2)}")


class Written(timedelta):
    """A duration that remembers how it was written (`24h` stays `24h`, not `1d`)."""

    written: str

    def __new__(cls, length: timedelta, written: str) -> Written:
        made = super().__new__(cls, seconds=length.total_seconds())
        made.written = written
        return made


def shown(length: timedelta) -> str:
    """A duration as it was written, or else in the largest unit that divides it (`2m`, `1h`)."""
    if isinstance(length, Written):
        return length.written
    seconds = int(length.total_seconds())
    for unit in "wdhm":
        size = int(UNITS[unit].total_seconds())
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
