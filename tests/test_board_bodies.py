"""What the board reads of a request's body: nothing before the Host, the Origin and the session
have passed, and never more than 64 KiB of a form (413 past it, said by the Content-Length or by
the bytes themselves)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.board_client import ORIGIN, board_over, browser
from tests.conftest import connect
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio

MIB = 1024 * 1024


class Body:
    """A form body of `count` fields of 1 MiB each, sent as it is read; counts what was read."""

    def __init__(self, count: int = 30) -> None:
        self.count = count
        self.read = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i in range(self.count):
            self.read += 1
            yield f"f{i}=".encode() + b"x" * MIB + b"&"


FORM = {"Content-Type": "application/x-www-form-urlencoded", "Origin": ORIGIN}


async def test_a_request_the_board_refuses_is_refused_before_its_body_is_read(store: Store) -> None:
    async with browser(board_over(store)) as b:
        no_session = Body()
        answer = await b.http.post("/tasks/tsk_1/move", content=no_session, headers=FORM)
        assert answer.status_code == 403 and no_session.read == 0
        cross_origin = Body()
        answer = await b.http.post("/login", content=cross_origin, headers={**FORM, "Origin": "https://evil.example"})
        assert answer.status_code == 403 and cross_origin.read == 0
    async with browser(board_over(store), host="rebound.example") as elsewhere:
        rebound = Body()
        answer = await elsewhere.http.post("/login", content=rebound, headers=FORM)
        assert answer.status_code == 421 and rebound.read == 0


async def test_a_login_form_past_64_kib_is_413_and_read_no_further(store: Store) -> None:
    async with browser(board_over(store)) as b:
        streamed = Body()  # no Content-Length: reading stops at the first chunk past the limit
        answer = await b.http.post("/login", content=streamed, headers=FORM)
        assert answer.status_code == 413 and "at most 64 KiB" in answer.text
        assert streamed.read == 1
        declared = Body()  # a Content-Length past the limit: nothing is read
        answer = await b.http.post("/login", content=declared, headers={**FORM, "Content-Length": str(30 * MIB)})
        assert answer.status_code == 413 and declared.read == 0
        assert (await b.http.post("/login", data={"api_key": "k" * 60_000}, headers={"Origin": ORIGIN})).status_code == 401


async def test_an_action_past_64_kib_is_413_and_changes_nothing(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key) as agent:
        made = await agent.ok("ts.tsk.create", {"title": "Keep me planned"})
    page = f"/tasks/{made['id']}"
    async with browser(board_over(store)) as b:
        await b.login(owner_key)
        fields = await b.form(page, f"{page}/move")
        answer = await b.send(f"{page}/move", {**fields, "status": "canceled", "reason": "r" * 70_000})
        assert answer.status_code == 413
    async with connect(store, owner_key) as agent:
        assert (await agent.ok("ts.tsk.get", {"id": made["id"]}))["status"] == "planned"
