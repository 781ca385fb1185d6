"""A browser's side of the board without a browser, for the tests that check what the server
answers (the browser tests drive Chromium): the real board app over a real ledger, through
HTTP in-process, with the cookies a browser keeps and the forms it would send."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import pytest

from tests.conftest import Agent, connect
from worktrail.board.app import board_app
from worktrail.board.options import BoardOptions
from worktrail.board.view import Board
from worktrail.domain.clock import Clock, SystemClock
from worktrail.store.store import Store
from worktrail.tools.catalog import ALL_TOOLS
from worktrail.tools.registry import Registry

ORIGIN = "http://127.0.0.1"


class Browser:
    """One browser: its cookie jar, and forms sent the way a page of the board sends them."""

    def __init__(self, http: httpx2.AsyncClient, board: Board) -> None:
        self.http = http
        self.board = board

    async def get(self, path: str) -> httpx2.Response:
        return await self.http.get(path)

    async def login(self, api_key: str) -> httpx2.Response:
        return await self.http.post("/login", data={"api_key": api_key, "next": "/"}, headers={"Origin": ORIGIN})

    async def once(self) -> httpx2.Response:
        ticket = await self.board.store.board_sessions.ticket(self.board.clock.now(), ORIGIN)
        return await self.http.get(f"/login/once?token={ticket}")

    async def form(self, page: str, action: str) -> dict[str, str]:
        """The hidden fields of the form posting to `action` on `page` (as the page rendered them)."""
        html = (await self.get(page)).text
        found = re.search(r'<form method="post" action="' + re.escape(action) + r'"(.*?)</form>', html, re.S)
        assert found is not None, f"no form for {action} on {page}"
        return dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', found.group(1)))

    async def send(self, action: str, fields: dict[str, Any], origin: str | None = ORIGIN) -> httpx2.Response:
        headers = {"Origin": origin} if origin else {}
        return await self.http.post(action, data=fields, headers=headers)

    async def act(self, page: str, action: str, **more: str) -> httpx2.Response:
        """Fill in the form for `action` on `page` and send it."""
        return await self.send(action, {**await self.form(page, action), **more})

    def csrf(self, html: str) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', html)
        assert found is not None
        return found.group(1)


def board_over(store: Store, clock: Clock | None = None, **options: Any) -> Board:
    clock = clock or SystemClock()
    return Board(Registry(ALL_TOOLS, store, clock), BoardOptions(**options), clock)


@asynccontextmanager
async def browser(board: Board, host: str = "127.0.0.1") -> AsyncIterator[Browser]:
    transport = httpx2.ASGITransport(app=board_app(board))
    async with httpx2.AsyncClient(transport=transport, base_url=f"http://{host}") as http:
        yield Browser(http, board)


@pytest.fixture
async def agent(store: Store, owner_key: str) -> AsyncIterator[Agent]:
    """The owner as an agent over MCP, in-process."""
    async with connect(store, owner_key) as agent:
        yield agent


@pytest.fixture
async def person(store: Store, owner_key: str) -> AsyncIterator[Browser]:
    """The owner at the board, logged in with their key."""
    async with browser(board_over(store)) as b:
        assert (await b.login(owner_key)).status_code == 303
        yield b
