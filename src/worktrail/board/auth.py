"""Who is at the board, and whether a form really comes from it.

- The session is an HttpOnly, SameSite=Strict cookie (Secure under TLS) holding a random token;
  the ledger keeps only its hash (`store/board/sessions.py`), so any process honours it and
  logout ends it for every copy.
- A form carries a token derived from the session's (`csrf_token`): a page on another origin can
  neither read nor guess it. Its `Origin` (or, without one, its `Referer`) must be this board's
  own origin too: SameSite does not stop a page on another port of the same host.
- The Host must be one the board answers to (loopback, or an `--allowed-host`), read strictly as
  `/mcp` reads it (transport/http/hosts.py): 421 otherwise, which keeps a DNS-rebinding page away.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from starlette.requests import Request

from worktrail.board.options import BoardOptions
from worktrail.transport.http import hosts

COOKIE = "worktrail_board"


def csrf_token(session_token: str) -> str:
    """The token a session's forms carry: derived, so nothing more is stored."""
    return hmac.new(session_token.encode(), b"worktrail board form", hashlib.sha256).hexdigest()


def csrf_ok(session_token: str, sent: str | None) -> bool:
    return sent is not None and hmac.compare_digest(csrf_token(session_token), sent)


def host_allowed(request: Request, options: BoardOptions) -> bool:
    """Whether the request's Host, read strictly (a name or IP literal, an optional numeric port),
    is one the board answers to."""
    return hosts.host_allowed(request.headers.get("host"), options.allowed_hosts)


def own_origin(request: Request, options: BoardOptions) -> str:
    scheme = "https" if options.secure else request.url.scheme
    return f"{scheme}://{request.headers.get('host', '')}"


def same_origin(request: Request, options: BoardOptions) -> bool:
    """Whether a form was sent from one of this board's own pages."""
    origin = request.headers.get("origin")
    if origin is None:  # some browsers leave Origin off a same-origin POST; the Referer says where from
        referer = request.headers.get("referer")
        if referer is None:
            return request.headers.get("sec-fetch-site") in (None, "same-origin")
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    return origin == own_origin(request, options)


def cookie_settings(options: BoardOptions) -> dict[str, object]:
    return {"httponly": True, "samesite": "strict", "secure": options.secure, "path": "/"}
