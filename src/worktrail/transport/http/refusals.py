"""What `/mcp` answers when it refuses a request before any call, each saying the fix:

- 421 for a Host that is not one the server answers to, read strictly (hosts.py) before the
  SDK's own check, naming `--allowed-host`;
- 413 for a body over `--max-body` (the SDK's limit refuses it; its answer is replaced with one
  naming the limit and the option);
- 401 telling "no key" from "key refused" (unknown, revoked or inactive, without saying which:
  that would tell a guesser which keys exist), with `WWW-Authenticate: Bearer realm="worktrail"`
  (RFC 6750: `error="invalid_token"`, in the header and the body, only when a credential was sent
  and refused; with `--auth oauth`, also the protected-resource metadata's address and the scope
  to ask for, no credential is told to sign in with OAuth or send a key, and a refused access
  token to be refreshed);
- once the key is accepted, -32600 (HTTP 400) for a body the SDK would misread, as stdio answers
  it (unreadable.py): an id that is none (the SDK would take the request for a notification and
  answer 202, nothing) or a key sent twice in one object (it would run the last);
- with `--auth oauth`, 403 `insufficient_scope` for an app's `tools/call` beyond its grant's scope
  (step_up.py), from the same read of the body.
"""

from __future__ import annotations

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser, RequireAuthMiddleware
from mcp.shared.inbound import ERROR_CODE_HTTP_STATUS
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from worktrail.domain.oauth_tokens import ACCESS_PREFIX
from worktrail.transport.http.hosts import host_allowed
from worktrail.transport.http.step_up import StepUp
from worktrail.transport.unreadable import refusal, screen_and_read

NO_KEY = (
    "No API key: send the header Authorization: Bearer <key> on every request "
    "(worktrail key create makes a key)"
)
KEY_REFUSED = (
    "The API key was refused: it is unknown, revoked, or its resource is inactive. "
    "Check the key you send; an owner or admin can make a new one (worktrail key create)"
)
TOKEN_REFUSED = (
    "The OAuth access token was refused: it is expired or revoked: refresh it or sign in again"
)
MISDIRECTED = (
    "Misdirected request: this server does not answer to that Host. Reach it by loopback or by a "
    "name it was started with: worktrail serve --http --allowed-host NAME (repeat for more).\n"
)


def size_text(size: int) -> str:
    """`16MiB`, `64KiB` or `1000B`: as `--max-body` takes it."""
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size % scale == 0:
            return f"{size // scale}{unit}"
    return f"{size}B"


def _header(scope: Scope, name: bytes) -> str | None:
    found = next((v for k, v in scope["headers"] if k == name), None)
    return found.decode("latin-1") if found is not None else None


def no_credential(metadata_url: str) -> str:
    """What `--auth oauth` says to a request with no credential: either way in."""
    return (f"Not signed in: sign in with OAuth (this server's protected-resource metadata: {metadata_url}), "
            "or send an API key as the header Authorization: Bearer <key> (worktrail key create makes one)")  # fmt: skip


def presents_a_key(scope: Scope) -> bool:
    """Whether the request sends a bearer credential at all (the scheme in any case, as the SDK takes it)."""
    return (_header(scope, b"authorization") or "").lower().startswith("bearer ")


class KeyRequired(RequireAuthMiddleware):
    """The SDK's check of the verified key, with a 401 that says which of the two went wrong."""

    def __init__(self, app: ASGIApp, metadata_url: str | None = None, scope: str | None = None) -> None:
        super().__init__(app, [], None)
        self.challenge = ['realm="worktrail"']
        self.no_credential = NO_KEY if metadata_url is None else no_credential(metadata_url)
        self.oauth = metadata_url is not None
        if metadata_url is not None:
            self.challenge.append(f'resource_metadata="{metadata_url}"')
        if scope is not None:
            self.challenge.append(f'scope="{scope}"')

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not isinstance(scope.get("user"), AuthenticatedUser):
            await self._refusal(scope)(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    def _refusal(self, scope: Scope) -> JSONResponse:
        if not presents_a_key(scope):
            # RFC 6750 3.1: no error code when no credential was sent (keys mode answers as it always has).
            body = {"error_description": self.no_credential} if self.oauth else {"error": "invalid_token",
                                                                                  "error_description": NO_KEY}  # fmt: skip
            return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer " + ", ".join(self.challenge)})
        token = (_header(scope, b"authorization") or "")[7:].strip()
        said = TOKEN_REFUSED if self.oauth and token.startswith(ACCESS_PREFIX) else KEY_REFUSED
        parts = [*self.challenge, 'error="invalid_token"', f'error_description="{said}"']
        return JSONResponse({"error": "invalid_token", "error_description": said}, status_code=401,
                            headers={"WWW-Authenticate": "Bearer " + ", ".join(parts)})  # fmt: skip


class Refusals:
    """In front of `/mcp`: the strict Host check, and the SDK's 413 said with its fix."""

    def __init__(self, app: ASGIApp, path: str, allowed_hosts: tuple[str, ...], max_body: int) -> None:
        self.app = app
        self.path = path
        self.allowed_hosts = allowed_hosts
        self.too_large = PlainTextResponse(
            f"Request body too large: this server takes at most {size_text(max_body)} ({max_body} bytes). "
            f"Send less (an attachment in parts), or start the server with a larger --max-body.\n",
            status_code=413,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        if not host_allowed(_header(scope, b"host"), self.allowed_hosts):
            await PlainTextResponse(MISDIRECTED, status_code=421)(scope, receive, send)
            return
        replaced = False

        async def explaining(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start" and message["status"] == 413:
                replaced = True
                await self.too_large(scope, receive, send)
            elif not replaced:
                await send(message)

        await self.app(scope, receive, explaining)


class Screened:
    """Between the key check and the SDK: a POST body it would misread is answered here, and so
    is an app's call beyond its grant's scope (`step_up`, with `--auth oauth`). At most `max_body`
    bytes are read; a longer body goes on to the SDK's limit (413)."""

    def __init__(self, app: ASGIApp, max_body: int, step_up: StepUp | None = None) -> None:
        self.app = app
        self.max_body = max_body
        self.step_up = step_up

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more, other = 0, True, None
        while more and size <= self.max_body:
            message = await receive()
            if message["type"] != "http.request":
                other = message
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
        body = b"".join(chunks)
        whole = not more and other is None and size <= self.max_body
        problem, message = screen_and_read(body) if whole else (None, None)
        if problem is not None:
            error = refusal(problem).message
            answer = {**error.model_dump(by_alias=True, exclude_none=True), "id": getattr(error, "id", None)}
            status = ERROR_CODE_HTTP_STATUS.get(answer.get("error", {}).get("code"), 400)
            await JSONResponse(answer, status_code=status)(scope, receive, send)
            return
        stepping_up = self.step_up.refusal(scope, message) if self.step_up is not None and message is not None else None
        if stepping_up is not None:
            await stepping_up(scope, receive, send)
            return
        replay: list[Message] = [{"type": "http.request", "body": body, "more_body": more}]
        if other is not None:
            replay.append(other)

        async def replaying() -> Message:
            return replay.pop(0) if replay else await receive()

        await self.app(scope, replaying, send)
