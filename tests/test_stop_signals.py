"""A stop signal that comes while `serve` or `board` is still starting (importing, opening the
ledger, waiting for its write lock) stops it with status 0, as one that comes later does: the
handlers are the first thing the command installs, not the last thing its start-up reaches."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import write_lock_held
from tests.servers import free_port

pytestmark = pytest.mark.processes


def _catches(pid: int, *signums: int) -> bool:
    """Whether process `pid` has a handler for each of `signums` (Linux: SigCgt in its status)."""
    status = Path(f"/proc/{pid}/status").read_text()
    caught = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), 16)
    return all(caught & (1 << (signum - 1)) for signum in signums)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads a process's handlers from /proc (Linux)")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
@pytest.mark.parametrize("command", [["serve"], ["serve", "--http", "--port"], ["board", "--port"]],
                         ids=["serve", "serve --http", "board"])  # fmt: skip
def test_a_stop_signal_while_starting_stops_with_status_0(
    sqlite_initialised: tuple[Path, str], command: list[str], signum: int
) -> None:
    db, api_key = sqlite_initialised
    with write_lock_held(db):  # start-up cannot finish: the signal comes while it is under way
        process = subprocess.Popen(
            [sys.executable, "-m", "worktrail", *command, *([str(free_port())] * (command[-1] == "--port")),
             "--db", str(db)],
            env={**os.environ, "WORKTRAIL_API_KEY": api_key},
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while process.poll() is None and not _catches(process.pid, signal.SIGTERM, signal.SIGHUP):
                assert time.monotonic() < deadline, "no stop handlers within 30 s"
                time.sleep(0.005)
            assert process.poll() is None, f"it ended ({process.returncode}) before it could be stopped"
            process.send_signal(signum)
            _, stderr = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr, stderr


def test_a_stop_signal_lost_while_starting_is_acted_on_once_the_server_listens() -> None:
    """Raised inside a callback Python only prints (importlib's weakref callbacks), the early stop
    never reaches main(); the serving loop's signal receiver then takes it first."""
    import anyio

    from worktrail.cli import early_stop

    async def heard_by_the_loop() -> list[int]:
        async def nothing_more() -> AsyncIterator[int]:
            return
            yield

        return [signum async for signum in early_stop.after_missed(nothing_more())]

    assert anyio.run(heard_by_the_loop) == [], "no signal came: nothing to act on"
    try:
        early_stop._stop(signal.SIGTERM, None)
    except early_stop.StoppedWhileStarting:
        pass  # lost on the way, as in such a callback
    try:
        assert anyio.run(heard_by_the_loop) == [signal.SIGTERM]
    finally:
        early_stop._missed.clear()


def test_a_stop_signal_once_the_loop_runs_cancels_the_start_up_from_the_loop() -> None:
    """Raised where the main thread happened to be, a stop signal that came once the event loop ran
    surfaced inside logging's lock, which then stayed held and blocked the database's worker thread
    for good (a board that never stopped). Once the loop runs, the signal cancels the start-up's
    task from the loop instead, between callbacks: code in the middle of a step finishes it."""
    import asyncio
    import threading

    import anyio

    from worktrail.cli import early_stop

    saved = {signum: signal.getsignal(signum) for signum in early_stop.SIGNALS}
    finished: list[str] = []

    async def starting() -> None:
        early_stop.hold()
        with threading.Lock():  # a step that must not be cut in the middle
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)  # a handler raising where the main thread is would raise by now
            finished.append("the step")
        await anyio.sleep(30)
        finished.append("the start-up")

    early_stop.install(["serve"])
    try:
        with pytest.raises(asyncio.CancelledError):
            anyio.run(starting)
        assert finished == ["the step"], "the signal cut the step short, or did not stop the start-up"
        assert early_stop._missed == [signal.SIGTERM]
    finally:
        early_stop._missed.clear()
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def test_a_stop_signal_lost_before_the_loop_ran_stops_the_start_up_once_it_does() -> None:
    """Lost inside an importlib callback before the loop ran, the early stop was acted on only once
    the server listened, and a start-up waiting on a held write lock failed first (exit 1)."""
    import asyncio

    import anyio

    from worktrail.cli import early_stop

    saved = {signum: signal.getsignal(signum) for signum in early_stop.SIGNALS}
    finished: list[str] = []

    async def starting() -> None:
        early_stop.hold()
        await anyio.sleep(30)
        finished.append("the start-up")

    early_stop.install(["serve"])
    early_stop._missed.append(signal.SIGHUP)  # as _stop records it before its raise is lost
    try:
        with pytest.raises(asyncio.CancelledError):
            anyio.run(starting)
        assert finished == [] and early_stop.stopped() is not None
    finally:
        early_stop._missed.clear()
        for signum, handler in saved.items():
            signal.signal(signum, handler)
