"""`worktrail serve`: MCP over stdio for one client, stopped at once by Ctrl-C, SIGTERM or SIGHUP;
or, with --http, over streamable HTTP for any number of clients (serve_http.py).

The process registers itself as an instance of the ledger and keeps a heartbeat, so that runs it
started are known to be alive; it sweeps stale runs before it serves the first request and then
every --sweep-every, and removes its instance when it stops cleanly.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
from datetime import timedelta
from typing import TYPE_CHECKING

import anyio
from anyio.abc import TaskGroup

from worktrail.cli import collector, early_stop
from worktrail.cli.failures import Refused
from worktrail.cli.ledger import ledger, listed_for, login_from_env, open_store, registry_for
from worktrail.cli.opening import Opening
from worktrail.domain.clock import SystemClock, format_ts
from worktrail.domain.errors import ToolError
from worktrail.domain.ids import new_uuid
from worktrail.store.locator import Location
from worktrail.tools.context import Serving, Session
from worktrail.transport.pipes import pipes_usable
from worktrail.transport.server import build_server
from worktrail.transport.stdio import serve_stdio

if TYPE_CHECKING:  # the store and the registry are imported once the client has its first answer
    from worktrail.store.store import Store
    from worktrail.tools.registry import Registry

log = logging.getLogger(__name__)

# How often old idempotency keys are pruned while serving.
PRUNE_EVERY = timedelta(minutes=10)
# How often this process tells the ledger it is alive.
BEAT_EVERY = timedelta(seconds=10)
# How long a stop signal waits for the database to close (its last checkpoint) before leaving.
CLOSE_SECONDS = 5.0


def _now() -> str:
    return format_ts(SystemClock().now())


async def _stop_on_signal(opening: Opening, instance_id: str) -> None:
    """On SIGINT, SIGTERM or SIGHUP (a closed terminal): remove this instance, close the ledger
    (if it was opened yet) and leave (exit 0), without waiting for the next input line.

    The SDK reads stdin in a worker thread that a cancellation cannot interrupt (it would wait for
    Ctrl-D), so the process ends here once the database is closed. Every write is one transaction:
    a call cut short has committed whole or not at all.
    """
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM, signal.SIGHUP) as signals:
        async for signum in early_stop.after_missed(signals):
            log.info("%s: stopping", signal.Signals(signum).name)
            store = opening.store
            with anyio.move_on_after(CLOSE_SECONDS, shield=True):
                if store is not None:
                    await store.recovery.remove(instance_id)
                    await store.close()
            sys.stderr.flush()
            os._exit(0)


async def _every(period: timedelta, job: str, work: object) -> None:
    """Run `work` every `period`; a busy or full ledger is logged and tried again next time."""
    while True:
        await anyio.sleep(period.total_seconds())
        try:
            await work()  # type: ignore[operator]
        except ToolError as refused:
            log.warning("%s failed this time: %s", job, refused.message)


async def _sweep(store: Store, serving: Serving) -> None:
    from worktrail.store.audit import Origin

    changed = await store.recovery.sweep(Origin(None, "worktrail sweep", _now(), serving.instance_id),
                                         SystemClock().now(), serving.durations)  # fmt: skip
    for change in changed:
        log.warning("swept %s %s: %s -> %s (%s)", change["kind"], change["id"], change["from"], change["to"],
                    change["reason"])  # fmt: skip


async def serve(args: argparse.Namespace) -> int:
    path = ledger(args.db)
    if not args.http:
        return await _serve_stdio(args, path, new_uuid())
    collector.resume()  # over HTTP no client waits on the start-up's CPU (collector.py)
    serving = _serving(args, new_uuid())
    from worktrail.cli import serve_http as over_http  # the HTTP stack: a stdio client never waits for it

    http = over_http.build_http_options(args)  # refused (one line) before the ledger is opened
    over_http.access_lines_to_stderr(args.log_level)
    async with open_store(path, args.synchronous) as store:
        registry = await _started(store, path, args, serving, None)
        async with anyio.create_task_group() as group:
            _keep_up(group, store, serving, args)
            from worktrail.cli.board import board_beside  # the board's templates: not for stdio's start-up

            log.info("serving %s over HTTP", path)
            await over_http.serve_http(registry, http, args.drain, lambda bound: board_beside(registry, bound, args.board_session_ttl))
            group.cancel_scope.cancel()
        await store.recovery.remove(serving.instance_id)
    return 0


def _serving(args: argparse.Namespace, instance_id: str) -> Serving:
    """This process as the ledger knows it: its instance and its sweep settings."""
    from worktrail.store.recovery import Durations

    durations = Durations(args.instance_ttl, args.sweep_every, args.execution_stale_after, args.stale_after)
    return Serving(instance_id, durations)


async def _serve_stdio(args: argparse.Namespace, path: Location, instance_id: str) -> int:
    """Answer the client's handshake while the ledger is opened behind it (opening.py); a call
    waits for the ledger, and a refusal of the ledger ends the process in its own words."""
    session = Session()
    opening = Opening(listed_for(args.toolsets))
    server = build_server(opening, session, args.tool_names, otel=args.otel)  # type: ignore[arg-type]
    if sys.stdin.isatty():
        print("worktrail serve speaks MCP on stdin/stdout for an MCP client; Ctrl-C stops it.", file=sys.stderr)
    if not pipes_usable():  # a terminal or a file: no client waits for a handshake; refuse at once
        opening.begin()
    served = anyio.Event()
    async with anyio.create_task_group() as group:
        group.start_soon(_stop_on_signal, opening, instance_id)
        group.start_soon(_keep_ledger, args, path, instance_id, session, opening, served)
        log.info("serving %s over stdio (tool names: %s)", path, args.tool_names)
        # What start-up made (modules, models, schemas) lives as long as the process: out of
        # the collector's sight, a full collection no longer walks it in the middle of a call
        # (no gc.collect first: it would cost the start-up 30 ms, for a little garbage kept).
        collector.resume(freeze=True)  # paused since the process began (collector.py)
        await serve_stdio(server, opening.begin)
        await opening.settled()  # input ended before the ledger was open: its refusal is still said
        served.set()
        await opening.closed.wait()
        group.cancel_scope.cancel()  # the stop-signal listener
    return 0


async def _keep_ledger(args: argparse.Namespace, path: Location, instance_id: str, session: Session,
                       opening: Opening, served: anyio.Event) -> None:  # fmt: skip
    """Open the ledger once the client has its first answer, start up, let calls through, and keep
    the ledger (heartbeat, sweeps, pruning, stop signals) until the client is served; then leave
    the instance list and close it."""
    await opening.begun.wait()
    serving = _serving(args, instance_id)
    async with open_store(path, args.synchronous) as store:
        opening.store = store  # a stop signal from now on closes it
        registry = await _started(store, path, args, serving, session)
        async with anyio.create_task_group() as group:
            _keep_up(group, store, serving, args)
            opening.opened(registry)
            gc.freeze()  # the ledger's modules, as above
            await served.wait()
            group.cancel_scope.cancel()
        await store.recovery.remove(serving.instance_id)
    opening.closed.set()


async def _started(store: Store, path: Location, args: argparse.Namespace, serving: Serving,
                   session: Session | None) -> Registry:  # fmt: skip
    """The start-up, before any call: the owner is there, the key (stdio) logs the session in, this
    instance is registered, stale runs are swept and old idempotency keys pruned."""
    if await store.maintenance.owner() is None:
        raise Refused(f"the ledger at {path} has no owner; set it up first with: worktrail init --db {path}")
    registry = registry_for(store, args.toolsets, args.idempotency_ttl, serving, over_http=session is None)
    if session is not None:
        try:
            await login_from_env(store, session)
        except ToolError as refused:
            raise Refused(f"WORKTRAIL_API_KEY was refused: {refused.message}") from None
        if session.actor is None:
            log.info("no WORKTRAIL_API_KEY: the client must call ts.auth.login")
    assert serving.instance_id is not None
    await store.recovery.register(serving.instance_id, os.getpid(), _now())
    await _sweep(store, serving)  # before the first call is run
    try:
        await _forget_old_keys(store, args.idempotency_ttl)
    except ToolError as busy:  # a busy ledger: the next round prunes them
        log.warning("could not prune idempotency keys: %s", busy.message)
    return registry


def _keep_up(group: TaskGroup, store: Store, serving: Serving, args: argparse.Namespace) -> None:
    """The periodic work of a serving process: pruning, heartbeat, sweeps."""
    group.start_soon(_every, PRUNE_EVERY, "pruning idempotency keys", lambda: _forget_old_keys(store, args.idempotency_ttl))
    group.start_soon(_every, BEAT_EVERY, "instance heartbeat", lambda: store.recovery.beat(serving.instance_id, _now()))
    group.start_soon(_every, serving.durations.sweep_every, "sweep", lambda: _sweep(store, serving))


async def _forget_old_keys(store: Store, ttl: timedelta) -> None:
    """Prune idempotency keys past their time to live (a lookup treats an old key as new anyway;
    this only keeps the table small)."""
    forgotten = await store.replays.prune(format_ts(SystemClock().now() - ttl))
    log.debug("forgot %d idempotency key(s) older than %s", forgotten, ttl)
