"""`--rate-limit N/s`: requests a key may make each second, past which the answer is 429 with
`Retry-After`. Counted per bearer key (by a digest of the header, before the key is checked, so
a flood of bad keys is limited too), in this process: behind a load balancer each process
allows its own N. A token bucket: bursts up to N, refilled at N a second."""

from __future__ import annotations

import hashlib
import math
import time
from collections import OrderedDict

from starlette.types import ASGIApp, Receive, Scope, Send

# Buckets kept at most (least recently used dropped first): memory stays bounded.
MAX_BUCKETS = 10_000


class RateLimit:
    def __init__(self, app: ASGIApp, per_second: float) -> None:
        self.app = app
        self.rate = per_second
        self._buckets: OrderedDict[bytes, tuple[float, float]] = OrderedDict()

    def _take(self, who: bytes) -> float:
        """0 when the request may go, else the seconds until it may."""
        now = time.monotonic()
        tokens, at = self._buckets.pop(who, (self.rate, now))
        tokens = min(self.rate, tokens + (now - at) * self.rate)
        wait = 0.0 if tokens >= 1 else (1 - tokens) / self.rate
        self._buckets[who] = (tokens - 1 if tokens >= 1 else tokens, now)
        if len(self._buckets) > MAX_BUCKETS:
            self._buckets.popitem(last=False)
        return wait

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/mcp"):
            await self.app(scope, receive, send)
            return
        header = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
        wait = self._take(hashlib.sha256(header).digest()[:16])
        if wait == 0:
            await self.app(scope, receive, send)
            return
        body = b'{"error": "rate_limited", "error_description": "Too many requests for this key; retry after the Retry-After seconds."}'
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(max(1, math.ceil(wait))).encode())]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})
