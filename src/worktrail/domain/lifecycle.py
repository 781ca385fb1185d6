"""The lifecycle engine: one function moves any entity kind along its declared lifecycle.

A lifecycle is data (states, moves, stamps, clears, refusal code); `transition` reads it and
answers with the columns a move writes, or refuses with the current state and the allowed moves.
The store applies those columns as a compare-and-set on the status it read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from worktrail.domain.errors import ErrorCode, ToolError

# The statuses every kind of run shares, in the order a run passes through them.
COMMON = ("queued", "running", "paused", "succeeded", "failed", "cancelled", "interrupted")


@dataclass(frozen=True)
class Lifecycle:
    """A state machine declared as data.

    - `moves`: for each state, the states it may move to (declaration order is the order agents see).
    - `stamps`: the timestamp column a state sets when it is entered.
    - `stamp_once`: stamp columns set only the first time (kept on later entries).
    - `move_stamps`: a column stamped by one particular move only (`(from, to)`).
    - `stale`: where a run in a state goes when nobody has touched it for too long (the sweep).
    - `clears`: columns emptied when a state is left (a reopen forgets the old outcome).
    - `refused_code`: the error code of a refused move (each seed names its own).
    - `common`: for a run, each of its states as one of the statuses all runs share (`COMMON`),
      so one list can hold every run of every kind (`ts.run.list`).
    """

    entity: str
    initial: str
    moves: Mapping[str, tuple[str, ...]]
    stamps: Mapping[str, str] = field(default_factory=dict)
    stamp_once: frozenset[str] = frozenset()
    move_stamps: Mapping[tuple[str, str], str] = field(default_factory=dict)
    stale: Mapping[str, str] = field(default_factory=dict)
    clears: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    refused_code: ErrorCode = "invalid_transition"
    common: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        known = set(self.moves)
        targets = {t for ts in self.moves.values() for t in ts}
        if self.initial not in known or not targets <= known:
            raise ValueError(f"lifecycle {self.entity}: every state must be declared in moves")
        if self.common and (set(self.common) != known or not set(self.common.values()) <= set(COMMON)):
            raise ValueError(f"lifecycle {self.entity}: common must name one of {COMMON} for every state")

    def native(self, common: str) -> tuple[str, ...]:
        """This lifecycle's own states that show as the common status `common`."""
        return tuple(s for s, c in self.common.items() if c == common)

    @property
    def states(self) -> tuple[str, ...]:
        """Every state, in declaration order."""
        return tuple(self.moves)

    @property
    def terminal(self) -> frozenset[str]:
        """States with no way out."""
        return frozenset(s for s, out in self.moves.items() if not out)

    def allowed(self, current: str) -> tuple[str, ...]:
        """The states `current` may move to."""
        return self.moves.get(current, ())

    def refusal(self, current: str, requested: str) -> ToolError:
        """The error for a refused move, telling the agent where it stands and where it may go."""
        allowed = list(self.allowed(current))
        where = f"allowed from {current}: {', '.join(allowed)}" if allowed else f"{current} is final"
        if requested == current:
            message = f"The {self.entity} is already {current}; {where}."
        else:
            message = f"Cannot move the {self.entity} from {current} to {requested}; {where}."
        details = {"current_status": current, "requested_status": requested, "allowed": allowed}
        return ToolError(self.refused_code, message, details)


def transition(
    lifecycle: Lifecycle, current: str, requested: str, stored: Mapping[str, Any], now: str
) -> dict[str, Any]:
    """The columns that moving from `current` to `requested` writes, or the refusal.

    `stored` is the entity's current row (to keep a stamp that is set only once).
    """
    if requested not in lifecycle.allowed(current):
        raise lifecycle.refusal(current, requested)
    columns: dict[str, Any] = {"status": requested}
    for column in lifecycle.clears.get(current, ()):
        columns[column] = None
    stamp = lifecycle.stamps.get(requested)
    if stamp is not None:
        keep = stamp in lifecycle.stamp_once and stored.get(stamp) is not None
        columns[stamp] = stored[stamp] if keep else now
    moved = lifecycle.move_stamps.get((current, requested))
    if moved is not None:
        columns[moved] = now
    return columns
