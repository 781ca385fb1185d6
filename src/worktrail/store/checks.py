"""Checks that ride in a call's own database hops instead of costing hops of their own.

A call may set a `FirstHopCheck` (`checked_first`): it runs at the start of the call's first hop,
in that hop's own transaction or snapshot, so re-checking the caller's key costs no round trip.
A check set with `checked_first_write` runs at the start of the call's first write, inside its
transaction: a conditional write's version is compared where the write itself happens.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import TypeVar

from worktrail.domain.actor import Actor
from worktrail.store.connection import Connection, Unit

T = TypeVar("T")


class FirstHopCheck:
    """A check that runs once, first thing in the first hop of one call (raise to refuse the call).

    `actor`: set when the check is the re-check of that session's key (`check_session`); a store
    may then make it in a round trip it makes anyway, and set `done` (postgresql/key_check.py)."""

    def __init__(self, check: Callable[[Connection], Awaitable[None]], actor: Actor | None = None) -> None:
        self._check = check
        self.actor = actor
        self.done = False

    def around(self, fn: Unit[T]) -> Unit[T]:
        if self.done:
            return fn

        async def checked(conn: Connection) -> T:
            await self._check(conn)
            self.done = True
            return await fn(conn)

        return checked


_FIRST_HOP_CHECK: ContextVar[FirstHopCheck | None] = ContextVar("worktrail_first_hop_check", default=None)


def checked_first(check: FirstHopCheck) -> AbstractContextManager[FirstHopCheck]:
    """Run `check` in the first hop that the code inside this block (this task) makes."""
    return _scoped(_FIRST_HOP_CHECK, check)


_FIRST_WRITE_CHECK: ContextVar[FirstHopCheck | None] = ContextVar("worktrail_first_write_check", default=None)


def checked_first_write(check: FirstHopCheck) -> AbstractContextManager[FirstHopCheck]:
    """Run `check` inside the transaction of the first write that the code inside this block makes."""
    return _scoped(_FIRST_WRITE_CHECK, check)


@contextmanager
def _scoped(var: ContextVar[FirstHopCheck | None], check: FirstHopCheck) -> Iterator[FirstHopCheck]:
    token = var.set(check)
    try:
        yield check
    finally:
        var.reset(token)


def due_first(*, write: bool) -> FirstHopCheck | None:
    """The check that runs first in this call's next hop (a read or a write), if one is still due."""
    for var in (_FIRST_HOP_CHECK, _FIRST_WRITE_CHECK) if write else (_FIRST_HOP_CHECK,):
        check = var.get()
        if check is not None and not check.done:
            return check
    return None


def due_checks(*, write: bool) -> list[FirstHopCheck]:
    """Every check still due in this call's next hop (a read or a write)."""
    due = [var.get() for var in ((_FIRST_WRITE_CHECK, _FIRST_HOP_CHECK) if write else (_FIRST_HOP_CHECK,))]
    return [check for check in due if check is not None and not check.done]


def with_checks(fn: Unit[T], *, write: bool) -> Unit[T]:
    """`fn` preceded by the checks still due in this call's next hop (a read or a write)."""
    for var in (_FIRST_WRITE_CHECK, _FIRST_HOP_CHECK) if write else (_FIRST_HOP_CHECK,):
        check = var.get()
        if check is not None:
            fn = check.around(fn)
    return fn
