"""A migration step that SQL alone cannot say: rows read, changed by Python, written back, in the
step's own transaction. Each backend's upgrade runs it (sqlite/upgrade.py, postgresql/upgrade.py),
so both stores derive the same values the same way."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Statement = tuple[str, tuple[Any, ...]]  # SQL with ? placeholders, and its parameters


@dataclass(frozen=True)
class Rewrite:
    """`select` reads the rows; `change(rows, now)` answers the statements that write them back
    (`now`: the step's time, RFC 3339, for the change records it writes)."""

    select: str
    change: Callable[[Sequence[tuple[Any, ...]], str], list[Statement]]
