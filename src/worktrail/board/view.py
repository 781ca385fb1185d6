"""What every board request goes through: the Host check, the session, the form check for
actions (the security headers are `headers.py`'s, on every answer); and what a page handler is
handed (`View`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from jinja2 import Environment
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from worktrail.board.auth import COOKIE, csrf_ok, csrf_token, host_allowed, same_origin
from worktrail.board.bodies import form_of
from worktrail.board.live import Watcher
from worktrail.board.options import BoardOptions
from worktrail.board.reader import Reader, Refused
from worktrail.board.refusals import carried, forget
from worktrail.board.render import environment
from worktrail.domain.actor import Actor
from worktrail.domain.clock import Clock, SystemClock
from worktrail.domain.roles import is_admin
from worktrail.store.store import Store
from worktrail.tools.registry import Registry
from worktrail.transport.http.oauth_provider import LedgerProvider
from worktrail.transport.http.rate_limit import Limits, retry_after
from worktrail.transport.http.refusals import MISDIRECTED

NAV = (("/", "Now"), ("/tasks", "Tasks"), ("/endeavours", "Endeavours"), ("/rituals", "Rituals"),
       ("/missions", "Missions"), ("/workflows", "Workflows"), ("/executions", "Executions"), ("/audit", "Audit"),
       ("/apps", "Connected apps"))  # fmt: skip
# Page sizes the board reads with (every list tool takes up to 200).
PAGE = 25


@dataclass
class Board:
    """Everything the board's pages share in one process."""

    registry: Registry
    options: BoardOptions
    clock: Clock = field(default_factory=SystemClock)
    env: Environment = field(default_factory=environment)
    watcher: Watcher | None = None
    limits: Limits = field(default_factory=Limits)  # beside /mcp, the one /mcp counts with
    oauth: LedgerProvider | None = None  # with `--auth oauth`: the authorization server, for the consent page

    def __post_init__(self) -> None:
        if self.watcher is None:
            self.watcher = Watcher(self.store, self.options.poll_every)

    @property
    def store(self) -> Store:
        return self.registry.store

    def page(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(request=request, now=self.clock.now(), **context)
        return HTMLResponse(html, status_code=status)


# What a page says after an action went through (`?done=`): a fixed vocabulary, never free text.
DONE = {"moved": "Moved.", "created": "Task created.", "saved": "Saved.", "unchanged": "Nothing to save: no field was changed.", "reopened": "Reopened.",
        "endeavour": "Endeavour created.", "paused": "Run paused.", "resumed": "Run resumed.", "cancelled": "Cancelled.",
        "retried": "Run retried: back to scheduling.", "revoked": "Key revoked.",
        "disconnected": "App disconnected: its grant is revoked, and its next request is refused."}  # fmt: skip
AGAIN = "This form was already sent: its first answer stands, and nothing changed again."


@dataclass
class View:
    """One request of a logged-in person."""

    board: Board
    request: Request
    actor: Actor
    token: str
    reader: Reader

    @property
    def now(self) -> datetime:
        return self.board.clock.now()

    def said(self) -> str | None:
        q = self.request.query_params
        done = DONE.get(q.get("done", ""))
        return None if done is None else (f"{done} {AGAIN}" if q.get("again") else done)

    def render(self, template: str, status: int | None = None, **context: Any) -> HTMLResponse:
        links = [*NAV, ("/keys", "Keys")] if is_admin(self.actor.role) else list(NAV)
        url = self.request.url
        live = url.path + (f"?{url.query}" if url.query else "")
        refusal = carried(self.request, self.token)  # an action's, brought here by its redirect
        if refusal is not None and status is None:
            status = refusal.status
        page = self.board.page(self.request, template, status or 200, actor=self.actor, nav=links,
                               csrf=csrf_token(self.token), reader=self.reader, live_url=live, said=self.said(),
                               refused=refusal.message if refusal else None, **context)  # fmt: skip
        return forget(page, url.path) if refusal is not None else page

    def refusal(self, refused: Refused) -> Response:
        """A page whose read the tool refused: its own message, with a fitting status."""
        status = {"not_found": 404, "forbidden": 403, "invalid_input": 400}.get(refused.code, 409)
        return self.render("error.html", status, code=refused.code, message=refused.message)


Handler = Callable[[View], Awaitable[Response]]


def misdirected() -> Response:
    return PlainTextResponse(MISDIRECTED, 421)


def slow_down(wait: float, limits: Limits) -> Response:
    said = (f"Too many requests in this session (over {limits.per_second:g} a second): retry in "
            f"{retry_after(wait)['Retry-After']} seconds.")  # fmt: skip
    return PlainTextResponse(said, 429, headers=retry_after(wait))


def forbidden_form() -> Response:
    return PlainTextResponse("Forbidden: this form did not come from this board's pages.", 403)


def to_login(request: Request) -> Response:
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(f"/login?next={quote(wanted, safe='')}", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def guarded(board: Board, handler: Handler, *, action: bool = False) -> Callable[[Request], Awaitable[Response]]:
    """A route's endpoint: the handler, run only for a live session (and, for an action, only for
    a form from this board's own pages: 403 otherwise, before anything is changed). The Host, the
    Origin and the session are checked before a byte of the body is read (`bodies.py`)."""

    async def endpoint(request: Request) -> Response:
        if not host_allowed(request, board.options):
            return misdirected()
        token = request.cookies.get(COOKIE)
        if action and (token is None or not same_origin(request, board.options)):
            return forbidden_form()
        actor = await board.store.board_sessions.actor(token, board.clock.now()) if token else None
        if actor is None:
            if token:  # over for good: a resource made active again does not bring it back
                await board.store.board_sessions.end(token, board.clock.now())
            return to_login(request)
        wait = board.limits.for_key(actor.key_id)  # the session's budget, as a key's on /mcp
        if wait:
            return slow_down(wait, board.limits)
        if action and not csrf_ok(token, str((await form_of(request)).get("csrf") or "")):
            return forbidden_form()
        view = View(board, request, actor, token, Reader(board.registry, actor))  # type: ignore[arg-type]
        try:
            return await handler(view)
        except Refused as refused:
            if refused.code == "session_expired":
                await board.store.board_sessions.end(view.token, board.clock.now())
                return to_login(request)
            return view.refusal(refused)

    return endpoint
