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
_DURATION = re.compile(r"^([1-9][0-9]{0,6})([smhdw])$")


def parse_duration(text: str) -> timedelta:
    """The length of `text` (a whole number from 1 and a unit s, m, h, d or w); ValueError otherwise."""
    found = _DURATION.match(text.strip())
    if found is None:
        raise ValueError(f'{text!r} is not a duration: write a whole number and a unit s, m, h, d or w, e.g. "24h"')
    return int(found.group(1)) * UNITS[found.group(2)]
