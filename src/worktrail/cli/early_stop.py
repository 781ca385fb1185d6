"""A stop signal (SIGTERM, SIGHUP) that comes while `serve` or `board` is still starting: its
imports alone take a good part of a second, and the asynchronous handlers that stop it cleanly
come only once the ledger is open. Until then the signal's default action would kill the process
with the signal's status; with these handlers, installed before anything else is imported, it
stops with status 0, as a stop signal at any later moment does. Standard library only."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterable, AsyncIterator
from types import FrameType

# The commands that serve until stopped; the others keep the signals' default action.
SERVING = frozenset({"serve", "board"})
SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class StoppedWhileStarting(BaseException):
    """Raised where start-up is when a stop signal comes (a BaseException, like KeyboardInterrupt:
    no `except Exception` on the way swallows it)."""


# The stop signal that came while starting. Raised where start-up is, it is usually caught by
# main(); but raised inside a callback Python only prints (importlib's weakref callbacks), it is
# lost, and the serving loop then takes it from here when it begins listening (`after_missed`).
_missed: list[int] = []


def _stop(signum: int, frame: FrameType | None) -> None:
    _missed.append(signum)
    raise StoppedWhileStarting(signal.Signals(signum).name)


def hold() -> None:
    """From here on, a stop signal cancels the start-up from the event loop rather than raising
    where the main thread happens to be. Called first thing once the loop runs: raised there, the
    signal surfaced in whatever code ran at that instant, inside logging's lock too, which then
    stayed held and blocked the database's worker thread for good. The serving loop's own
    receiver replaces this handler when it begins listening."""
    if not any(signal.getsignal(signum) is _stop for signum in SIGNALS):
        return  # not a serving command, or not the process's own command line
    loop, starting = asyncio.get_running_loop(), asyncio.current_task()
    assert starting is not None, "hold() runs in the start-up's task"

    def cancel(signum: int) -> None:
        _missed.append(signum)
        starting.cancel()

    for signum in SIGNALS:
        loop.add_signal_handler(signum, cancel, signum)
    if _missed:  # one came before the loop ran and was lost on the way (an importlib callback): stop now
        starting.cancel()


def stopped() -> StoppedWhileStarting | None:
    """The early stop to raise for a start-up that was cancelled: one if a stop signal came
    (`hold` cancels on one), else None (the cancellation was someone else's)."""
    return StoppedWhileStarting(signal.Signals(_missed[0]).name) if _missed else None


async def after_missed(signals: AsyncIterable[int]) -> AsyncIterator[int]:
    """The stop signals a serving loop acts on: one that came while it was starting (and may have
    been lost on the way), then those its own receiver hears."""
    if _missed:
        yield _missed[0]
    async for signum in signals:
        yield signum


def command_of(argv: list[str]) -> str | None:
    """The command word of a command line (the first word that is no option or --log-level's value)."""
    words = iter(argv)
    for word in words:
        if word == "--log-level":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def install(argv: list[str]) -> None:
    """Stop a serving command that is still starting on SIGTERM or SIGHUP (see the module's note)."""
    if command_of(argv) in SERVING:
        for signum in SIGNALS:
            signal.signal(signum, _stop)


def stopped_while_starting(error: BaseException) -> bool:
    """Whether `error` is (a task group's wrapping of) an early stop."""
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return isinstance(error, StoppedWhileStarting)
