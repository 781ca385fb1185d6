"""The Keys page's "Sign-in link": an owner or admin makes a one-time sign-in address for a
person, as `worktrail link` does, at this board's own address (its `ticket_origin`), good once
within 15 minutes. Only for a person whom they could make a key for (an admin: anyone but an
owner), since the address signs in as that person. The answer shows the address once, on a page
of its own that is not live and not kept (no-store): it is never put in a URL of the board."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from worktrail.board.forms import Form
from worktrail.board.view import View
from worktrail.domain.actor import Actor
from worktrail.domain.errors import ToolError
from worktrail.domain.permissions import check_may_mint_key_for
from worktrail.domain.roles import is_admin
from worktrail.store.board.sessions import LINK_TTL

# Without a known address of its own, a board makes no sign-in address (it would work nowhere).
NOWHERE = ("This board takes no one-time sign-in addresses: it does not know the address people reach it by. "
           "Serve it with --public-url (or use worktrail board), or run worktrail link --url with that address.")  # fmt: skip


def may_link(actor: Actor, person: dict[str, Any]) -> bool:
    try:
        check_may_mint_key_for(actor, person)
    except ToolError:
        return False
    return True


async def link_forms(view: View) -> dict[str, Any]:
    """The people (active humans) an owner or admin may hand a sign-in address, each with its form."""
    if view.board.options.ticket_origin is None:
        return {"people": [], "forms": {}, "nowhere": NOWHERE}
    found = await view.reader.ok("ts.res.list", type="human", status="active", limit=200)
    people = [p for p in found["resources"] if may_link(view.actor, p)]
    forms = {p["id"]: Form(f"/people/{p['id']}/link", "Sign-in link") for p in people}
    return {"people": people, "forms": forms, "nowhere": None}


async def make_link(view: View) -> Response:
    board, origin = view.board, view.board.options.ticket_origin
    if not is_admin(view.actor.role):
        return view.render("error.html", 403, code="forbidden", message="Sign-in links are for owners and admins.")
    if origin is None:
        return view.render("error.html", 409, code="conflict", message=NOWHERE)
    person = await view.reader.ok("ts.res.get", id=view.request.path_params["id"])
    try:
        check_may_mint_key_for(view.actor, person)
        token, who = await board.store.board_sessions.link(board.clock.now(), origin, person["id"], LINK_TTL)
    except ToolError as refused:
        status = 403 if refused.code == "forbidden" else 400
        return view.render("error.html", status, code=refused.code, message=refused.message)
    address = f"{origin}/login/once?token={token}"
    minutes = int(LINK_TTL.total_seconds() // 60)
    return board.page(view.request, "link.html", who=who, address=address, minutes=minutes)
