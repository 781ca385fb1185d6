"""One-time login addresses: one works only on the board it was printed for (`worktrail board`,
loopback only, on its port), never on a `serve --http` board of the same ledger, which may
listen on a network; and the owner's session it opens ends when a key of the owner's is revoked
after it began, as a key's session ends with its key. Opened with a `next`, or pasted into the
login page (which carries the `next` /authorize sent the person there with), it goes on there:
a path on this board, never elsewhere."""

from __future__ import annotations

import html
from datetime import timedelta
from urllib.parse import quote

import httpx2
import pytest

from tests.board_client import ORIGIN, board_over, browser
from tests.conftest import connect
from worktrail.cli.board import board_beside
from worktrail.domain.clock import SystemClock
from worktrail.store.store import Store
from worktrail.tools.catalog import ALL_TOOLS
from worktrail.tools.registry import Registry
from worktrail.transport.http.app import HttpOptions, build_http_app

pytestmark = pytest.mark.anyio

PRINTED_FOR = "http://127.0.0.1:8766"


async def test_a_one_time_address_works_only_at_the_origin_it_was_printed_for(store: Store, owner_key: str) -> None:
    ticket = await store.board_sessions.ticket(SystemClock().now(), PRINTED_FOR)
    registry = Registry(ALL_TOOLS, store)
    served = build_http_app(registry, board_beside(registry, HttpOptions(port=8766), timedelta(hours=1)))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=served), base_url=PRINTED_FOR) as http:
        refused = await http.get(f"/login/once?token={ticket}")  # serve --http: the same port, even
        assert refused.status_code == 401 and "only on the worktrail board that printed them" in refused.text
    async with browser(board_over(store, ticket_origin="http://127.0.0.1:8767")) as another_board:
        refused = await another_board.get(f"/login/once?token={ticket}")
        assert refused.status_code == 401 and "printed for another board" in refused.text
    async with browser(board_over(store, ticket_origin=PRINTED_FOR)) as its_board:  # still unused
        assert (await its_board.get(f"/login/once?token={ticket}")).status_code == 303
        assert (await its_board.get("/")).status_code == 200


async def test_revoking_a_key_of_the_owner_ends_a_one_time_session(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key) as owner:
        spare = await owner.ok("ts.key.create", {"name": "spare"})
        async with browser(board_over(store, ticket_origin=PRINTED_FOR)) as b:
            ticket = await store.board_sessions.ticket(SystemClock().now(), PRINTED_FOR)
            assert (await b.get(f"/login/once?token={ticket}")).status_code == 303
            assert (await b.get("/tasks")).status_code == 200
            await owner.ok("ts.key.revoke", {"id": spare["id"]})
            assert (await b.get("/tasks")).headers["location"].startswith("/login")


async def test_a_one_time_address_opened_or_pasted_on_the_login_page_goes_on_to_next_on_this_board_only(
    store: Store, owner_key: str
) -> None:
    async def ticket() -> str:
        return await store.board_sessions.ticket(SystemClock().now(), ORIGIN)

    wanted = "/oauth/consent?client_id=c&scope=ledger%3Aread"
    async with browser(board_over(store, ticket_origin=ORIGIN)) as b:  # where /authorize sends a person
        fields = {k: html.unescape(v) for k, v in (await b.form(f"/login?next={quote(wanted)}", "/login/once")).items()}
        assert fields == {"next": wanted}, "the login page offers a field for the address, carrying next"
        pasted = await b.send("/login/once", {**fields, "address": f"{ORIGIN}/login/once?token={await ticket()}"})
        assert pasted.status_code == 303 and pasted.headers["location"] == wanted
    async with browser(board_over(store, ticket_origin=ORIGIN)) as b:
        token_alone = await b.send("/login/once", {"next": "/tasks", "address": f" {await ticket()} "})
        assert token_alone.status_code == 303 and token_alone.headers["location"] == "/tasks"
    for elsewhere in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "tasks"):
        async with browser(board_over(store, ticket_origin=ORIGIN)) as b:
            opened = await b.get(f"/login/once?token={await ticket()}&next={quote(elsewhere)}")
            assert opened.status_code == 303 and opened.headers["location"] == "/", f"no open redirect to {elsewhere}"
    async with browser(board_over(store, ticket_origin=ORIGIN)) as b:
        opened = await b.get(f"/login/once?token={await ticket()}&next={quote('/tasks?status=active')}")
        assert opened.headers["location"] == "/tasks?status=active"
        forged = await b.send("/login/once", {"next": "/", "address": await ticket()}, origin="https://evil.example")
        assert forged.status_code == 403, "a form from another site signs no one in"
        wrong = await b.send("/login/once", {"next": wanted, "address": f"{ORIGIN}/login/once?token=nope"})
        assert wrong.status_code == 401 and "already used or has expired" in wrong.text
        assert f'name="next" value="{html.escape(wanted)}"' in wrong.text, "tried again, it still goes on to next"
    async with browser(board_over(store)) as b:  # a board that takes no one-time addresses offers no field
        assert 'action="/login/once"' not in (await b.get("/login")).text
