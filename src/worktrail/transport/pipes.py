"""stdin and stdout as asyncio pipes: the event loop reads and writes them itself.

The SDK's stdio transport reads every line through a worker thread and writes and flushes every
answer through two more; each is a thread round trip that wakes the loop. On POSIX pipes (and
sockets) the loop can watch the descriptors directly, so a call costs no thread at all. This
module offers the same two ends the SDK's `stdio_server` does — an async iterator of parsed
messages (or the exception a line raised) and a `send` for answers — so the exchange in stdio.py
serves both alike. Where they are not pipes (a terminal, a file), `file_stdio` reads stdin
through a worker thread into the same lines, and the SDK's transport writes stdout.

Like the SDK, it claims the descriptors: while serving, fd 0 reads the null device and fd 1 writes
to stderr, so a stray print or a child process cannot reach the wire; both are restored on exit.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import stat
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import mcp.types as types
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage

from worktrail.transport.unreadable import Unreadable, screen

# The longest line taken (a 2 MiB attachment is under 3 MiB as JSON); longer is refused.
LINE_LIMIT = 64 * 1024 * 1024
# How long answers still buffered at the end may take to reach the client.
FLUSH_SECONDS = 10.0


class LineTooLong(ValueError):
    """A line longer than LINE_LIMIT: answered as an invalid request, and the server reads on."""


def pipes_usable() -> bool:
    """Whether stdin and stdout are both pipes or sockets the event loop can watch."""
    if sys.platform == "win32":
        return False
    try:
        modes = [os.fstat(fd).st_mode for fd in (0, 1)]
    except OSError:
        return False
    return all(stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) for mode in modes)


class _WriteFlow(asyncio.Protocol):
    """The write end's flow control: `drained` waits while the pipe's buffer is over its mark."""

    def __init__(self) -> None:
        self._resume: asyncio.Future[None] | None = None
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def pause_writing(self) -> None:
        self._resume = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        self._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.lost.done():
            self.lost.set_result(None)
        self._wake()

    def _wake(self) -> None:
        resume, self._resume = self._resume, None
        if resume is not None and not resume.done():
            resume.set_result(None)

    async def drained(self) -> None:
        if self._resume is not None:
            await self._resume


class PipeLines:
    """The messages on stdin, one per line: each a SessionMessage, or the exception its line
    raised (for the exchange to answer). Blank lines are no message and are passed over."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader

    def __aiter__(self) -> PipeLines:
        return self

    async def __anext__(self) -> SessionMessage | Exception:
        while True:
            try:
                line = await self._reader.readline()
            except ValueError:  # over LINE_LIMIT: asyncio drops what it buffered of the line
                return LineTooLong(f"a line longer than {LINE_LIMIT} bytes")
            if not line:
                raise StopAsyncIteration
            if line.strip():
                break
        try:
            message = types.jsonrpc_message_adapter.validate_json(line, by_name=False)
        except Exception as problem:  # the same screen the SDK's transport applies, keeping the line
            return Unreadable(line, problem)
        return screen(line) or SessionMessage(message)


class PipeOut:
    """Answers to stdout: one JSON line each, written by the loop; waits only when the client
    reads more slowly than the server answers. Closing flushes what is buffered."""

    def __init__(self, transport: asyncio.WriteTransport, flow: _WriteFlow) -> None:
        self._transport = transport
        self._flow = flow

    async def send(self, item: SessionMessage) -> None:
        if self._transport.is_closing():  # the client has gone: nobody reads answers any more
            return
        line = item.message.model_dump_json(by_alias=True, exclude_unset=True)
        self._transport.write(line.encode() + b"\n")
        await self._flow.drained()

    async def aclose(self) -> None:
        self._transport.close()  # a pipe transport writes out its buffer before it closes
        try:
            await asyncio.wait_for(asyncio.shield(self._flow.lost), FLUSH_SECONDS)
        except TimeoutError:
            self._transport.abort()

    async def __aenter__(self) -> PipeOut:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _claim(fd: int, diversion: int) -> int:
    """A private duplicate of `fd` for the wire, and `fd` itself pointed at `diversion`."""
    private = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3)
    os.dup2(diversion, fd)
    return private


def _restore(fd: int, private: int) -> None:
    os.dup2(private, fd)
    os.set_blocking(fd, True)  # the loop made the shared description non-blocking


class _NoLines:
    """An input that ends at once: handed to the SDK's transport where we read stdin ourselves."""

    def __aiter__(self) -> _NoLines:
        return self

    async def __anext__(self) -> str:
        raise StopAsyncIteration


@asynccontextmanager
async def file_stdio() -> AsyncIterator[tuple[PipeLines, Any]]:
    """stdin that the loop cannot watch (a terminal, a file): read through anyio's worker thread
    and screened line by line as pipes are; answers go out through the SDK's stdio transport
    (which claims stdout). stdin is claimed here, as pipe_stdio claims it."""
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        wire_in = _claim(0, null)
    finally:
        os.close(null)
    keep_in = os.dup(wire_in)
    lines = anyio.wrap_file(os.fdopen(wire_in, "rb"))
    try:
        async with stdio_server(stdin=_NoLines()) as (_, wire_out):  # type: ignore[arg-type]
            yield PipeLines(lines), wire_out  # type: ignore[arg-type]
    finally:
        await lines.aclose()
        _restore(0, keep_in)
        os.close(keep_in)


@asynccontextmanager
async def pipe_stdio() -> AsyncIterator[tuple[PipeLines, PipeOut]]:
    """stdin and stdout as the loop's own pipes, for as long as the block runs."""
    loop = asyncio.get_running_loop()
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        wire_in = _claim(0, null)
    finally:
        os.close(null)
    wire_out = _claim(1, 2)
    keep_in, keep_out = os.dup(wire_in), os.dup(wire_out)  # the transports close theirs
    read_transport: Any = None
    write_transport: Any = None
    try:
        reader = asyncio.StreamReader(limit=LINE_LIMIT, loop=loop)
        read_transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader, loop=loop), os.fdopen(wire_in, "rb", buffering=0)
        )
        flow = _WriteFlow()
        write_transport, _ = await loop.connect_write_pipe(lambda: flow, os.fdopen(wire_out, "wb", buffering=0))
        yield PipeLines(reader), PipeOut(write_transport, flow)
    finally:
        for transport in (read_transport, write_transport):
            if transport is not None and not transport.is_closing():
                transport.close()
        _restore(0, keep_in)
        _restore(1, keep_out)
        os.close(keep_in)
        os.close(keep_out)
