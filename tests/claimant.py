"""One agent taking tasks with `ts.tsk.claim` until it is told nothing is ready: a helper of the
tests that race claims across processes. In the test's process it drives a client it is given
(a stdio server process of its own); run as a process of its own it is a client over HTTP:

    python -m tests.claimant URL API_KEY [auto|legacy]

which prints its claims as one JSON list on stdout. Each claim is `{sent, answered, task}`, the
times from time.monotonic() (one clock for every process of the machine), `task` the answer's
task (None for `{task: null}`). A refused claim ends the run with its error as the last entry."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import anyio
from mcp import Client
from mcp.shared.exceptions import MCPError

# More claims than a test has tasks: an agent that never hears `{task: null}` stops here.
MOST = 5_000


async def listed_name(client: Client, tool: str) -> str:
    """The name the server listed `tool` by (a legacy-era client over HTTP is given underscores),
    as a host calls it: a call by another name makes the SDK list the tools again on every call."""
    listed = {t.name for t in (await client.list_tools()).tools}
    return tool if tool in listed else tool.replace(".", "_")


async def claim_until_none(client: Client, arguments: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Claim one task after another until the answer is `{task: null}` (or an error)."""
    claims: list[dict[str, Any]] = []
    name = await listed_name(client, "ts.tsk.claim")
    for _ in range(MOST):
        sent = time.monotonic()
        try:
            result = await client.call_tool(name, arguments or {})
        except MCPError as refused:  # an unknown tool, say
            claims.append({"sent": sent, "answered": time.monotonic(), "error": str(refused)})
            break
        answered = time.monotonic()
        payload = result.structured_content or {}
        if result.is_error or "task" not in payload:
            claims.append({"sent": sent, "answered": answered, "error": payload or str(result.content)})
            break
        claims.append({"sent": sent, "answered": answered, "task": payload["task"]})
        if payload["task"] is None:
            break
    return claims


async def _main(url: str, api_key: str, mode: str = "auto") -> None:
    import httpx2

    from tests.servers import http_client

    deadline = time.monotonic() + 60  # a server just started may not answer yet
    while True:
        try:
            if httpx2.get(url.removesuffix("/mcp") + "/healthz", timeout=1).status_code == 200:
                break
        except httpx2.HTTPError:
            if time.monotonic() > deadline:
                raise
        await anyio.sleep(0.1)
    async with http_client(url, api_key, mode) as client:
        claims = await claim_until_none(client)
    sys.stdout.write(json.dumps(claims))


if __name__ == "__main__":
    anyio.run(_main, *sys.argv[1:4])
