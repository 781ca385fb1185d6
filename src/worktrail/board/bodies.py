"""What the board reads of a request's body: a form of at most `FORM_LIMIT` bytes, and only once
the Host, the Origin and the session have passed (the endpoints check them first), so a request
the board will refuse costs it no read. Past the limit the answer is 413, whether the
Content-Length says so (nothing is read) or the bytes do (reading stops there)."""

from __future__ import annotations

from starlette.datastructures import FormData, Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The largest form the board takes: its forms send a few short fields (a key, a reason of at most
# 2,000 characters, tokens), far below this.
FORM_LIMIT = 64 * 1024
FORM_FIELDS = 20
TOO_LARGE = "Payload too large: a form sent to the board is at most 64 KiB."


def _too_large() -> HTTPException:
    return HTTPException(413, TOO_LARGE)


class BodyLimit:
    """Stops reading a request's body past `limit` bytes, with 413 (through the app's handlers)."""

    def __init__(self, app: ASGIApp, limit: int = FORM_LIMIT) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        read = 0

        async def receiving() -> Message:
            nonlocal read
            if declared.isdigit() and int(declared) > self.limit:
                raise _too_large()
            message = await receive()
            read += len(message.get("body", b""))
            if read > self.limit:
                raise _too_large()
            return message

        await self.app(scope, receiving, send)


async def form_of(request: Request) -> FormData:
    """The request's form: a few fields, no files (400 otherwise), within `FORM_LIMIT`."""
    return await request.form(max_files=0, max_fields=FORM_FIELDS, max_part_size=FORM_LIMIT)
