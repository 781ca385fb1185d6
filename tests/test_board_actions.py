"""What the board offers and where an action leaves the browser: a person is offered only the
moves they may make (a member cancels only a task they created or are assigned), and every
action, done or refused, ends on the entity's page (POST/redirect/GET), where a refusal shows
the tool's own message once, to the session whose action it was."""

from __future__ import annotations

import re

import pytest

from tests.board_client import board_over, browser
from tests.conftest import connect, make_resource
from worktrail.board.refusals import COOKIE as REFUSED
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio

CANCEL_REFUSED = "Cancelling a task needs an owner or admin, the task&#39;s creator, or its assignee."


def offered(html: str) -> list[str]:
    return re.findall(r'name="status" value="(\w+)"', html)


async def test_a_member_is_offered_cancel_only_where_they_may_cancel(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key) as owner:
        member_id, member_key = await make_resource(owner, "member", "Ada")
        others = await owner.ok("ts.tsk.create", {"title": "The owner's"})
        theirs = await owner.ok("ts.tsk.create", {"title": "Ada's", "assignee_id": member_id})
    async with browser(board_over(store)) as ada:
        await ada.login(member_key)
        assert offered((await ada.get(f"/tasks/{others['id']}")).text) == ["active"]
        assert offered((await ada.get(f"/tasks/{theirs['id']}")).text) == ["active", "canceled"]
    async with browser(board_over(store)) as boss:
        await boss.login(owner_key)
        assert offered((await boss.get(f"/tasks/{others['id']}")).text) == ["active", "canceled"]


async def test_a_refused_action_ends_on_the_entitys_page_with_the_tools_message(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key) as owner:
        _, member_key = await make_resource(owner, "member", "Ada")
        made = await owner.ok("ts.tsk.create", {"title": "Not Ada's to cancel"})
    page = f"/tasks/{made['id']}"
    async with browser(board_over(store)) as ada, browser(board_over(store)) as other:
        await ada.login(member_key)
        fields = await ada.form(page, f"{page}/move")
        refused = await ada.send(f"{page}/move", {**fields, "status": "canceled", "reason": "not mine"})
        assert refused.status_code == 303 and refused.headers["location"] == page
        listed = await ada.get("/tasks")  # another page opened first neither shows the refusal nor takes it
        assert listed.status_code == 200 and CANCEL_REFUSED not in listed.text
        await other.login(owner_key)  # another session holding a copy of the cookie is told nothing
        other.http.cookies.set(REFUSED, ada.http.cookies[REFUSED])
        assert CANCEL_REFUSED not in (await other.get(page)).text
        shown = await ada.get(page)
        assert shown.status_code == 403 and CANCEL_REFUSED in shown.text
        again = await ada.get(page)  # said once: a reload shows the page as it is
        assert again.status_code == 200 and CANCEL_REFUSED not in again.text
        done = await ada.act(page, f"{page}/move", status="active")
        assert done.status_code == 303 and done.headers["location"] == f"{page}?done=moved"
    async with connect(store, owner_key) as owner:
        assert (await owner.ok("ts.tsk.get", {"id": made["id"]}))["status"] == "active"
