"""The headers every answer of the board carries, whoever makes it (a page, a redirect, a static
file, a live stream, Starlette's own 404, 405 and 400, a 413): one middleware around the board's
app, so no answer can be written without them."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Scripts, styles and images from the board itself only; never framed; no Referer leaves the board
# (same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on a form).
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
# The board's own files may be kept, but are asked about again (by their ETag) before each use:
# an upgrade of worktrail changes them.
STATIC = "/static/"
STATIC_CACHE = "no-cache"


class SecurityHeaders:
    """Adds `HEADERS` to every HTTP answer of the app it wraps (a header the answer sets stands)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(STATIC)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if static and message["status"] < 400:
                    headers.setdefault("Cache-Control", STATIC_CACHE)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, sending)
