"""Every kind of answer the board gives carries its security headers (CSP, nosniff,
Referrer-Policy, Cache-Control), whoever makes it: a page, a redirect, a static file, Starlette's
own 404, 405 and 400, a 413, a 421, a 403; alone (`worktrail board`) and beside `/mcp` (`serve
--http`), where every address that is not MCP's or the health routes' is the board's, its 404
page included."""

from __future__ import annotations

from datetime import timedelta

import httpx2
import pytest

from tests.board_client import ORIGIN, board_over, browser
from worktrail.board.headers import HEADERS
from worktrail.cli.board import board_beside
from worktrail.store.store import Store
from worktrail.tools.catalog import ALL_TOOLS
from worktrail.tools.registry import Registry
from worktrail.transport.http.app import HttpOptions, build_http_app

pytestmark = pytest.mark.anyio


def secured(answer: httpx2.Response, cache: str = "no-store") -> bool:
    wanted = {**HEADERS, "Cache-Control": cache}
    return all(answer.headers.get(name) == value for name, value in wanted.items())


async def test_every_kind_of_answer_carries_the_security_headers(store: Store, owner_key: str) -> None:
    async with browser(board_over(store)) as b:
        http = b.http
        answers = {
            "login page": (await b.get("/login"), 200),
            "to the login page": (await b.get("/tasks"), 303),
            "no such page": (await b.get("/no/such/page"), 404),
            "no such static file": (await b.get("/static/missing.css"), 404),
            "method not allowed": (await http.put("/tasks"), 405),
            "a file in a form": (await http.post("/login", files={"api_key": ("k.txt", b"x")},
                                                 headers={"Origin": ORIGIN}), 400),  # fmt: skip
            "too large": (await http.post("/login", data={"api_key": "x" * 70_000}, headers={"Origin": ORIGIN}), 413),
            "forged form": (await b.send("/tasks/tsk_1/move", {"status": "active"}), 403),
            "refused key": (await b.login("not-a-key"), 401),
            "logged in": (await b.login(owner_key), 303),
        }
        answers["a page"] = (await b.get("/"), 200)
        answers["an entity that is not there"] = (await b.get("/tasks/tsk_000000000000000000000000"), 404)
        for name, (answer, status) in answers.items():
            assert answer.status_code == status, name
            assert secured(answer), name
        assert "No such page on this board." in answers["no such page"][0].text
        static = await b.get("/static/board.css")
        assert static.status_code == 200 and secured(static, cache="no-cache")  # kept, asked about again
    async with browser(board_over(store), host="rebound.example") as elsewhere:
        misdirected = await elsewhere.get("/")
        assert misdirected.status_code == 421 and secured(misdirected)


async def test_beside_mcp_every_other_address_is_the_boards_with_its_headers(store: Store) -> None:
    registry = Registry(ALL_TOOLS, store)
    app = build_http_app(registry, board_beside(registry, HttpOptions(), timedelta(hours=1)))
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        missing = await http.get("/no/such/page")
        assert missing.status_code == 404 and "No such page on this board." in missing.text and secured(missing)
        for path, status in (("/login", 200), ("/static/htmx.min.js", 200), ("/tasks", 303)):
            answer = await http.get(path)
            assert answer.status_code == status and secured(answer, "no-cache" if "static" in path else "no-store")
        assert (await http.put("/tasks")).status_code == 405 and secured(await http.put("/tasks"))
        assert (await http.get("/healthz")).text == "ok\n"  # the health routes stay the server's
