"""Real `worktrail serve` processes for tests, over either transport: stdio (a process per client,
as an MCP host starts it) or streamable HTTP (processes on free loopback ports that any number
of clients share, with the API key as a bearer header). A test takes `transport` as a parameter
and is written once."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.types import Implementation

TRANSPORTS = ["stdio", "http"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def printed_sign_in(lines: Iterator[str]) -> str | None:
    """The first one-time sign-in address a board's process prints (None: it ended printing none)."""
    for line in lines:
        found = re.search(r"http://127\.0\.0\.1:\d+/login/once\?token=\S+", line)
        if found:
            return found.group(0)
    return None


def start_http(
    db: Path, *extra: str, port: int | None = None, env: dict[str, str] | None = None, stderr: Any = subprocess.PIPE
) -> tuple[subprocess.Popen[str], str]:
    """A `worktrail serve --http` process, once it answers /healthz: (process, its /mcp URL). Its
    stderr (the access log) is a pipe to read at the end: a long run should pass a file instead,
    or the full pipe stops the server."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "worktrail", "serve", "--http", "--db", str(db), "--port", str(port), *extra],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr, text=True,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"serve --http exited {process.returncode}: {process.stderr.read() if process.stderr else ''}"
            )
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process, f"http://127.0.0.1:{port}/mcp"
        except httpx2.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("serve --http did not answer /healthz within 30 s")


def start_http_on_any_port(db: Path, *extra: str) -> tuple[subprocess.Popen[str], str, str]:
    """A `worktrail serve --http --port 0` process: (process, its /mcp URL, its start line), read
    from the line it prints on stderr once it listens (no race for a free port)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "worktrail", "serve", "--http", "--db", str(db), "--port", "0", *extra],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    said: list[str] = []
    reader = threading.Thread(target=lambda: said.append(process.stderr.readline() if process.stderr else ""))
    reader.start()
    reader.join(30)
    found = re.search(r"MCP at (\S+/mcp)", said[0]) if said else None
    if found is None:
        process.kill()
        raise RuntimeError(f"serve --http printed no start line: {said}")
    return process, found.group(1), said[0]


def stop(process: subprocess.Popen[str], signum: int = signal.SIGTERM) -> tuple[int, str]:
    """Stop a server as an operator would; its exit status and what it wrote on stderr."""
    if process.poll() is None:
        process.send_signal(signum)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    return process.returncode, process.stderr.read() if process.stderr else ""


@contextmanager
def http_servers(db: Path, count: int = 1, *extra: str) -> Iterator[list[str]]:
    """`count` HTTP server processes on one ledger: their /mcp URLs."""
    started = [start_http(db, *extra) for _ in range(count)]
    try:
        yield [url for _, url in started]
    finally:
        for process, _ in started:
            stop(process)


def http_client(url: str, api_key: str, mode: str = "auto", client_name: str = "mcp") -> Client:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {api_key}"}, timeout=60)
    return Client(streamable_http_client(url, http_client=http), mode=mode,  # type: ignore[arg-type]
                  client_info=Implementation(name=client_name, version="1"))  # fmt: skip


class Servers:
    """Clients of real servers on one ledger, over one transport."""

    def __init__(self, db: Path, api_key: str, transport: str, urls: list[str]) -> None:
        self.db, self.api_key, self.transport, self.urls = db, api_key, transport, urls

    def client(self, n: int = 0, mode: str = "auto") -> Client:
        """A client of server `n` (over stdio, a process of its own)."""
        if self.transport == "http":
            return http_client(self.urls[n % len(self.urls)], self.api_key, mode)
        params = StdioServerParameters(
            command=sys.executable, args=["-m", "worktrail", "serve", "--db", str(self.db)],
            env={"WORKTRAIL_API_KEY": self.api_key},
        )  # fmt: skip
        return Client(params, mode=mode, client_info=Implementation(name="mcp", version="1"))


@asynccontextmanager
async def real_servers(db: Path, api_key: str, transport: str, count: int = 3) -> AsyncIterator[Servers]:
    """Real servers on `db`: over HTTP, `count` processes shared by every client; over stdio, a
    process for each client (as many as the test connects)."""
    if transport == "stdio":
        yield Servers(db, api_key, transport, [])
        return
    with http_servers(db, count) as urls:
        yield Servers(db, api_key, transport, urls)
