"""The consent page of `serve --http --auth oauth`: where `/authorize` sends a person (signed in
first by the board's own login), showing the app, where its description came from, the host it
returns to (a loopback one flagged) and the access asked, with a choice of the access to give:
any scope up to what was asked and the person's role allow (`domain/scopes.py` `choices`), a
forged choice beyond them refused. Approve issues a single-use code for the scope chosen; Deny answers `access_denied`; either way back to the app's redirect
URI with `state` and `iss` (RFC 9207). The form is an action: same origin and the session's CSRF
token, as every board form. Everything asked is checked again here: the page's address is only
the authorization request, carried."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlsplit

from mcp.server.auth.provider import construct_redirect_uri
from mcp.shared.auth import InvalidRedirectUriError
from pydantic import AnyUrl, ValidationError
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from worktrail.board.auth import COOKIE
from worktrail.board.bodies import form_of
from worktrail.board.headers import HEADERS
from worktrail.board.view import View
from worktrail.domain.app_names import shown_name
from worktrail.domain.hosts import loopback_host
from worktrail.domain.scopes import SCOPE_ROLES, choices
from worktrail.transport.http.oauth_provider import (
    DOCUMENT_REFUSALS,
    FETCHING_FOR,
    LedgerProvider,
    client_info,
    redirect_origin,
    redirect_problem,
    same_resource,
)
from worktrail.transport.http.rate_limit import address_of

FIELDS = ("client_id", "redirect_uri", "code_challenge", "explicit", "scope", "state", "resource")
MEANS = {"viewer": "read everything you can read", "member": "read, and create and work as you",
         "admin": "everything you can do, keys and people included"}  # fmt: skip


class NotAsked(Exception):
    """An authorization request that does not hold (unknown client, redirect not registered,
    another resource): shown as an error page, never redirected anywhere."""


async def _checked(view: View, provider: LedgerProvider, asked: dict[str, str]) -> tuple[dict[str, Any], tuple[str, ...], str]:
    """The app, the scopes the person may grant it (and the one offered first), from the app's
    description as it stands: a
    metadata document's stale copy is fetched again (on the fetch budget of the person's address),
    so that a redirect URI the app has since dropped is refused here as /authorize refuses it."""
    said: list[tuple[str, float | None]] = []
    refusals, fetching = DOCUMENT_REFUSALS.set(said), FETCHING_FOR.set(address_of(view.request.scope))
    try:
        row = await provider.client_row(asked.get("client_id", ""))
    finally:
        DOCUMENT_REFUSALS.reset(refusals)
        FETCHING_FOR.reset(fetching)
    if row is None and said:
        raise NotAsked(f"This app's description (its client metadata document) cannot be used now: {said[-1][0]}. "
                       "Start again from the app.")  # fmt: skip
    if row is None:
        raise NotAsked("This app is not known to this ledger (its registration may have lapsed): start again from the app.")
    try:
        client_info(row).validate_redirect_uri(AnyUrl(asked.get("redirect_uri", "")))
    except (ValidationError, InvalidRedirectUriError):
        raise NotAsked("This app did not register the address it asks to return to.") from None
    if redirect_problem(asked["redirect_uri"]) is not None:  # registered before this server refused it
        raise NotAsked("This app's return address is not one this ledger returns to: the app must register again.")
    if not same_resource(asked.get("resource", ""), provider.resource) or not asked.get("code_challenge"):
        raise NotAsked(f"This request is not for this ledger ({provider.resource}), or has no PKCE challenge.")
    offered, first = choices(asked.get("scope"), view.actor.role)
    return row, offered, first


def same_site_hop(endpoint: Any) -> Any:
    """The consent page's endpoint, reached once more from the board's own page when the browser
    came from the app's site without the session cookie: that cookie is SameSite=Strict, so a
    navigation another site started never carries it, and a person signed in to the board would
    be asked for a key again. A navigation a page of the board starts carries it."""

    async def hop(request: Request) -> Response:
        if COOKIE in request.cookies or request.query_params.get("hop") == "1":
            return await endpoint(request)  # type: ignore[no-any-return]
        again = html.escape(f"{request.url.path}?{request.url.query}&hop=1", quote=True)
        body = (f'<!doctype html><meta http-equiv="refresh" content="0;url={again}"><title>Signing in</title>'
                f'<p><a href="{again}">Continue to worktrail</a></p>')  # fmt: skip
        return HTMLResponse(body)

    return hop


def consent_handlers(provider: LedgerProvider) -> tuple[Any, Any]:
    """The page (GET) and the decision (POST) of /oauth/consent, for `provider`'s server."""
    issuer = provider.issuer

    async def show(view: View) -> Response:
        asked = {k: view.request.query_params.get(k, "") for k in FIELDS}
        try:
            row, offered, first = await _checked(view, provider, asked)
        except NotAsked as why:
            return view.render("error.html", 400, code="invalid_request", message=str(why))
        target = urlsplit(asked["redirect_uri"])
        wanted = [s for s in asked["scope"].split() if s in SCOPE_ROLES]
        page = view.render(
            "consent.html", client_name=shown_name(row["name"]) or row["id"], asked_params=asked, first=first,
            offered=[(scope, MEANS[SCOPE_ROLES[scope]]) for scope in offered],
            origin=f"verified: fetched from {row['id']}" if row["kind"] == "document" else "registered here, unverified",
            redirect_host=target.netloc or target.scheme + ":", loopback=loopback_host(target.hostname or ""),
            asked=" ".join(wanted) or "the default", cut=any(s not in offered for s in wanted),
        )  # fmt: skip
        # The form's answer redirects to the app: the board's form-action 'self' would stop the browser there.
        app = redirect_origin(asked["redirect_uri"])
        page.headers["Content-Security-Policy"] = HEADERS["Content-Security-Policy"].replace(
            "form-action 'self'", f"form-action 'self' {app}"
        )
        return page

    async def decide(view: View) -> Response:
        form = await form_of(view.request)
        asked = {k: str(form.get(k) or "") for k in FIELDS}
        try:
            _, offered, first = await _checked(view, provider, asked)
        except NotAsked as why:
            return view.render("error.html", 400, code="invalid_request", message=str(why))
        state = asked["state"] or None
        if form.get("decision") != "approve":
            back = construct_redirect_uri(asked["redirect_uri"], error="access_denied", state=state, iss=issuer)
            return RedirectResponse(back, status_code=303)
        scope = str(form.get("grant") or "") or first  # a form without the choice: what the page offered first
        if scope not in offered:
            named = scope if scope in SCOPE_ROLES else "that value"
            said = (f"grant: {named} is not access you may give this app: it asked for {asked['scope'] or 'the default'}, "
                    f"and your role ({view.actor.role}) allows up to {offered[-1]}. Choose one of {', '.join(offered)}.")  # fmt: skip
            return view.render("error.html", 400, code="invalid_input", message=said)
        code = await view.board.store.oauth_grants.issue_code(
            asked["client_id"], view.actor.resource_id, scope, provider.resource, asked["code_challenge"], asked["redirect_uri"],
            asked["explicit"] == "1", view.board.clock.now(),
        )  # fmt: skip
        return RedirectResponse(construct_redirect_uri(asked["redirect_uri"], code=code, state=state, iss=issuer), 303)

    return show, decide
