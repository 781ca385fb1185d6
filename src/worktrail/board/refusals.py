"""An action's refusal, carried across its redirect (POST/redirect/GET): the browser always lands
on the entity's page, never on the POST address (a reload there would send the form again).

The tool's own message rides in a short-lived cookie, HttpOnly and SameSite=Strict like the
session's, signed with a key derived from the session's token, so nobody else can make a page
say something; the page that shows it answers with the refusal's status (403 or 409) and
deletes it, so it is said once."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from worktrail.board.auth import cookie_settings
from worktrail.board.options import BoardOptions

COOKIE = "worktrail_board_refused"
# Long enough to follow the redirect, no longer.
LIFETIME = 60
# A cookie holds about 4 KB; no tool's message is near this long.
LONGEST = 1_500


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str


def _signature(session_token: str, payload: str) -> str:
    key = hmac.new(session_token.encode(), b"worktrail board refusal", hashlib.sha256).digest()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def carry(response: Response, session_token: str, code: str, message: str, options: BoardOptions) -> Response:
    """The redirect `response`, carrying the tool's refusal to the page it goes to."""
    status = 403 if code == "forbidden" else 409
    payload = f"{status}.{base64.urlsafe_b64encode(message[:LONGEST].encode()).decode()}"
    value = f"{payload}.{_signature(session_token, payload)}"
    # Only the page the redirect goes to is sent it: a page opened first elsewhere does not take it.
    settings = {**cookie_settings(options), "path": urlsplit(response.headers["location"]).path}
    response.set_cookie(COOKIE, value, max_age=LIFETIME, **settings)  # type: ignore[arg-type]
    return response


def carried(request: Request, session_token: str) -> Refusal | None:
    """The refusal carried to this page, if this session's own action made it."""
    status, _, rest = request.cookies.get(COOKIE, "").partition(".")
    encoded, _, signature = rest.partition(".")
    if not status.isdigit() or not hmac.compare_digest(signature, _signature(session_token, f"{status}.{encoded}")):
        return None
    try:
        return Refusal(int(status), base64.urlsafe_b64decode(encoded).decode())
    except ValueError:
        return None


def forget(response: Response, path: str) -> Response:
    """The page at `path` that showed the refusal: it is not said again."""
    response.delete_cookie(COOKIE, path=path)
    return response
