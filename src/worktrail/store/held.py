"""A write transaction held across the hops of one call: what makes a keyed write exactly-once.

A retried write must either find the answer of the first attempt or do the work, never both and
never twice, also across processes and crashes. So a call with an idempotency key opens one
`BEGIN IMMEDIATE` transaction, looks its key up in it, lets every write of its handler join it,
and stores its answer beside the work in the same COMMIT. Other writers of this process wait on
the database's write lock meanwhile; other processes wait on SQLite's lock. A crash at any point
leaves all of it or none of it.

Each backend drives it its own way (sqlite/held.py: the functions run on SQLite's writer).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


class HoldTimeout(Exception):
    """The writer stayed taken by other calls for longer than the caller would wait."""


@dataclass
class Held:
    """One call's held transaction: begun at its first write, committed by its last."""

    owner: object
    begun: bool = False
    committed: bool = False
    state: Any = None  # what the backend keeps for it (PostgreSQL: the connection and its transaction)


_HELD: ContextVar[Held | None] = ContextVar("worktrail_held_transaction", default=None)


def held_by(owner: object) -> Held | None:
    """The transaction this task holds on `owner`, if any."""
    held = _HELD.get()
    return held if held is not None and held.owner is owner else None


def enter(held: Held) -> object:
    return _HELD.set(held)


def leave(token: object) -> None:
    _HELD.reset(token)  # type: ignore[arg-type]
