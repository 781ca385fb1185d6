"""Serve one client over stdin/stdout. Nothing but the protocol may reach stdout.

On POSIX pipes the event loop reads and writes stdin and stdout itself (pipes.py); elsewhere (a
terminal, a file on stdin) a worker thread reads stdin and the SDK's stdio transport writes
stdout, so that every line is screened alike (unreadable.py).
Three things the SDK's stdio transport leaves to us, handled between it and the server:
- A line it cannot parse reaches the server as an exception, which the server drops, and the
  client waits forever. We answer it, with the request's own id wherever it can be read
  (unreadable.py).
- At end of input the server answers calls still running with -32000 "Connection closed",
  although their writes go on to commit. A script that pipes its requests and closes stdin
  would never learn they succeeded, so we let those calls finish and answer first.
- The handshake's instructions are fixed before the client says its name; we read the name off
  the `initialize` request as it passes and answer with instructions in that client's names.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import anyio
import mcp.types as types
from mcp.shared.message import SessionMessage

from worktrail.transport.pipes import file_stdio, pipe_stdio, pipes_usable
from worktrail.transport.server import WorktrailServer
from worktrail.transport.unreadable import refusal

log = logging.getLogger(__name__)

# How long calls still running at end of input may take to answer before the server stops.
DRAIN_SECONDS = 30.0


def _client_name(params: Any) -> str | None:
    info = params.get("clientInfo") if isinstance(params, dict) else None
    name = info.get("name") if isinstance(info, dict) else None
    return name if isinstance(name, str) else None


class _Exchange:
    """What the server reads and writes: the wire, screened. The server reads messages from it
    (`receive`) and sends answers to it (`send`) directly, with no stream or task in between;
    it notes the requests the client is still waiting on, so that end of input can drain them."""

    def __init__(self, wire_in: Any, wire_out: Any, on_initialize: Callable[[str | None], None],
                 on_first: Callable[[], None]) -> None:  # fmt: skip
        self._lines = wire_in.__aiter__()
        self._wire_out = wire_out
        self._on_initialize = on_initialize
        self._on_first = on_first
        self.waiting: set[Any] = set()
        self._all_answered: anyio.Event | None = None  # set while draining at end of input

    async def receive(self) -> SessionMessage:
        """The client's next message; lines that are none are answered here and passed over.
        At end of input, waits for the calls still running to answer, then ends."""
        while True:
            try:
                item = await self._lines.__anext__()
            except StopAsyncIteration:
                self._on_first()
                await self._drain()
                raise anyio.EndOfStream from None
            if isinstance(item, Exception):
                log.warning("refused an unreadable line from the client (%s)", type(item).__name__)
                await self._wire_out.send(refusal(item))
                continue
            message = item.message
            if isinstance(message, types.JSONRPCRequest):
                self.waiting.add(message.id)
                if message.method == "initialize":
                    self._on_initialize(_client_name(message.params))
                else:
                    self._on_first()
            elif isinstance(message, types.JSONRPCNotification) and message.method == "notifications/cancelled":
                self._answered((message.params or {}).get("requestId"))  # a cancelled call gets no answer
            return item

    async def send(self, item: SessionMessage) -> None:
        """Pass one of the server's messages to the wire, noting which request it answers."""
        await self._wire_out.send(item)
        if isinstance(item.message, types.JSONRPCResponse | types.JSONRPCError):
            self._on_first()
            self._answered(item.message.id)

    def _answered(self, request_id: Any) -> None:
        self.waiting.discard(request_id)
        if self._all_answered is not None and not self.waiting:
            self._all_answered.set()

    async def _drain(self) -> None:
        if self.waiting:
            self._all_answered = anyio.Event()
            with anyio.move_on_after(DRAIN_SECONDS):
                await self._all_answered.wait()
        if self.waiting:
            log.warning("end of input: %d call(s) still unanswered after %ss", len(self.waiting), DRAIN_SECONDS)

    def __aiter__(self) -> _Exchange:
        return self

    async def __anext__(self) -> SessionMessage:
        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        """The wire is closed by serve_stdio, once the server is done with both directions."""

    async def __aenter__(self) -> _Exchange:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


async def serve_stdio(server: WorktrailServer, on_first: Callable[[], None] = lambda: None) -> None:
    """Run until the client closes stdin and every call it made has been answered. `on_first` is
    called once the client has its first answer, asks for something other than `initialize`
    first, or leaves (and again later: it must be idempotent)."""
    options = server.create_initialization_options()

    def on_initialize(client: str | None) -> None:
        options.instructions = server.publication.instructions(client)

    wire = pipe_stdio() if pipes_usable() else file_stdio()
    async with wire as (wire_in, wire_out), wire_out:  # closing wire_out ends the transport's writer
        exchange = _Exchange(wire_in, wire_out, on_initialize, on_first)
        await server.run(exchange, exchange, options)
