"""Logging in and out: an API key typed into a form (never put in a URL, a log or a page), or a
one-time address printed by `worktrail board` or `worktrail link` (or the Keys page), opened or
pasted into the login page; logout ends the session for every copy of its cookie. Either way in
goes on to `next`, a path on this board only (an app's consent page, when /authorize sent the
person to log in first)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from worktrail.board.auth import COOKIE, cookie_settings, host_allowed, same_origin
from worktrail.board.bodies import form_of
from worktrail.board.view import Board, View, forbidden_form, guarded, misdirected
from worktrail.domain.clock import format_ts
from worktrail.domain.errors import ToolError
from worktrail.transport.http.rate_limit import address_of, retry_after


def _next(wanted: str | None) -> str:
    """Where to go after logging in: a path on this board only."""
    if wanted and wanted.startswith("/") and not wanted.startswith("//") and "\\" not in wanted:
        return wanted
    return "/"


def _logged_in(board: Board, token: str, to: str) -> Response:
    response = RedirectResponse(to, status_code=303)
    ttl = int(board.options.session_ttl.total_seconds())
    response.set_cookie(COOKIE, token, max_age=ttl, **cookie_settings(board.options))  # type: ignore[arg-type]
    return response


def login_page(board: Board, request: Request, status: int = 200, said: str | None = None, to: str | None = None) -> Response:
    """The login page, whose forms go on to `to` (a refused form's `next`), else to its address's `next`."""
    return board.page(request, "login.html", status, next=_next(to or request.query_params.get("next")), refused=said,
                      once=board.options.ticket_origin is not None)  # fmt: skip


def _ticket_of(pasted: str) -> str:
    """The token of a one-time address pasted whole, or the token pasted alone."""
    pasted = pasted.strip()
    if "?" in pasted or "token=" in pasted:
        return parse_qs(urlsplit(pasted).query).get("token", [""])[0]
    return pasted


def _too_many_failures(board: Board, request: Request, wait: float, to: str | None = None) -> Response:
    seconds = retry_after(wait)["Retry-After"]
    said = f"Too many failed logins from this address: try again in {seconds} seconds, with a key that is valid."
    response = login_page(board, request, 429, said, to)
    response.headers.update(retry_after(wait))
    return response


def login_routes(board: Board) -> dict[str, object]:
    """The endpoints of /login, /login/once (opened, or pasted into the login page) and /logout."""

    async def show(request: Request) -> Response:
        if not host_allowed(request, board.options):
            return misdirected()
        return login_page(board, request)

    async def with_key(request: Request) -> Response:
        if not host_allowed(request, board.options):
            return misdirected()
        if not same_origin(request, board.options):
            return forbidden_form()
        address = address_of(request.scope)
        wait = board.limits.auth_refused_for(address)  # before the key is looked at: a right guess tells nothing
        if wait:
            return _too_many_failures(board, request, wait)
        form = await form_of(request)
        api_key, to = str(form.get("api_key") or "").strip(), str(form.get("next") or "")
        now = board.clock.now()
        try:
            actor = await board.store.keys.login(api_key, format_ts(now))
        except ToolError:
            board.limits.auth_failed(address)
            return login_page(board, request, 401, "That key was not accepted: it is unknown, revoked, or its "
                              "resource is inactive. Check it and try again.", to)  # fmt: skip
        token = await board.store.board_sessions.open_with_key(actor, now, board.options.session_ttl)
        return _logged_in(board, token, _next(to))

    async def redeem(request: Request, ticket: str, to: str) -> Response:
        address = address_of(request.scope)
        wait = board.limits.auth_refused_for(address)
        if wait:
            return _too_many_failures(board, request, wait, to)
        origin = board.options.ticket_origin
        if origin is None:
            board.limits.auth_failed(address)
            said = ("One-time login addresses work only on the worktrail board that printed them, or on a "
                    "serve --http server with --public-url (or --auth oauth); log in here with an API key.")  # fmt: skip
            return login_page(board, request, 401, said, to)
        token = await board.store.board_sessions.redeem(ticket, board.clock.now(), board.options.session_ttl, origin)
        if token is None:
            board.limits.auth_failed(address)
            said = ("That login address was already used or has expired, or it was printed for another board: "
                    "ask for a new one (worktrail link --url with this board's address, or worktrail board again).")  # fmt: skip
            return login_page(board, request, 401, said, to)
        return _logged_in(board, token, _next(to))

    async def once(request: Request) -> Response:
        if not host_allowed(request, board.options):
            return misdirected()
        return await redeem(request, request.query_params.get("token", ""), request.query_params.get("next", ""))

    async def once_pasted(request: Request) -> Response:
        if not host_allowed(request, board.options):
            return misdirected()
        if not same_origin(request, board.options):
            return forbidden_form()
        wait = board.limits.auth_refused_for(address_of(request.scope))  # before the body is read, as a key's
        if wait:
            return _too_many_failures(board, request, wait)
        form = await form_of(request)
        return await redeem(request, _ticket_of(str(form.get("address") or "")), str(form.get("next") or ""))

    async def logout(view: View) -> Response:
        await board.store.board_sessions.end(view.token, board.clock.now())
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    return {"show": show, "with_key": with_key, "once": once, "once_pasted": once_pasted,
            "logout": guarded(board, logout, action=True)}  # fmt: skip
