"""The Keys page's "Sign-in link" (issue 29): an owner or admin makes, by a form with the board's
CSRF protection, a one-time address that signs a person in at this board, once, within 15
minutes, as `worktrail link` does; an admin never for an owner; a board that does not know its
own address offers none."""

from __future__ import annotations

import re

import pytest

from tests.board_client import ORIGIN, board_over, browser
from tests.conftest import connect, make_resource
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio

ADDRESS = re.compile(r'value="(http://127\.0\.0\.1/login/once\?token=[^"]+)"')


async def test_an_owner_makes_a_sign_in_link_that_signs_the_person_in_once(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key) as owner:
        mira, _ = await make_resource(owner, "member", "Mira", type="human")
        bot, _ = await make_resource(owner, "member", "Bot")
    board = board_over(store, ticket_origin=ORIGIN)
    async with browser(board) as admin:
        assert (await admin.login(owner_key)).status_code == 303
        keys = (await admin.get("/keys")).text
        assert f'action="/people/{mira}/link"' in keys and f"/people/{bot}/link" not in keys
        made = await admin.act("/keys", f"/people/{mira}/link")
        assert made.status_code == 200 and "Sign-in link for Mira" in made.text
        assert made.headers["cache-control"] == "no-store"
        found = ADDRESS.search(made.text)
        assert found is not None
        address = found.group(1).removeprefix(ORIGIN)
        forged = await admin.send(f"/people/{mira}/link", {"csrf": "nope"})
        assert forged.status_code == 403 and ADDRESS.search(forged.text) is None
    async with browser(board) as person:
        assert (await person.get(address)).status_code == 303
        now = await person.get("/")
        assert now.status_code == 200 and "Mira <small>(member)</small>" in now.text
    async with browser(board) as again:
        assert (await again.get(address)).status_code == 401


async def test_an_admin_gets_no_link_for_an_owner_and_a_board_without_its_address_offers_none(
    store: Store, owner_key: str
) -> None:
    owner_row = await store.maintenance.owner()
    assert owner_row is not None
    async with connect(store, owner_key) as owner:
        _, admin_key = await make_resource(owner, "admin", "Ada", type="human")
        mira, member_key = await make_resource(owner, "member", "Mira", type="human")
    async with browser(board_over(store, ticket_origin=ORIGIN)) as admin:
        assert (await admin.login(admin_key)).status_code == 303
        keys = (await admin.get("/keys")).text
        assert f"/people/{owner_row['id']}/link" not in keys and f"/people/{mira}/link" in keys
        fields = await admin.form("/keys", f"/people/{mira}/link")
        refused = await admin.send(f"/people/{owner_row['id']}/link", fields)
        assert refused.status_code == 403 and "owner" in refused.text and ADDRESS.search(refused.text) is None
    async with browser(board_over(store, ticket_origin=ORIGIN)) as member:
        assert (await member.login(member_key)).status_code == 303
        html = (await member.get("/")).text
        refused = await member.send(f"/people/{mira}/link", {"csrf": member.csrf(html)})
        assert refused.status_code == 403 and ADDRESS.search(refused.text) is None
    async with browser(board_over(store)) as admin:  # no ticket_origin: serve --http without a public URL
        assert (await admin.login(admin_key)).status_code == 303
        keys = (await admin.get("/keys")).text
        assert "takes no one-time sign-in addresses" in keys and "/link" not in keys
        refused = await admin.send(f"/people/{mira}/link", {"csrf": admin.csrf(keys)})
        assert refused.status_code == 409 and "--public-url" in refused.text
