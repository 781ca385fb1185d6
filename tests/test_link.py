"""`worktrail link` (issue 29): a one-time sign-in address for a person (the owner unless
--resource) at a board (worktrail board's http://127.0.0.1:8766 unless --url), which signs a
browser in as them once, within 15 minutes; at a `serve --http --auth oauth` server too, where
the app's sign-in and consent are. Bad input is one line naming the option, and makes nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx2
import pytest

from tests.board_client import board_over, browser
from tests.conftest import ADDRESS, PinnedClock, cli_person, connect, make_resource
from tests.conftest import run_worktrail as worktrail
from tests.servers import start_http_on_any_port, stop
from worktrail.cli.board import board_beside
from worktrail.domain.clock import SystemClock, format_ts
from worktrail.store.board.sessions import LINK_TTL
from worktrail.store.store import Store
from worktrail.tools.catalog import ALL_TOOLS
from worktrail.tools.registry import Registry
from worktrail.transport.http.app import HttpOptions, build_http_app


@pytest.mark.processes
def test_link_prints_an_address_that_signs_the_person_in_once_at_an_oauth_server(
    initialised: tuple[Path | str, str],
) -> None:
    db, key = initialised
    mira = cli_person(db, key, "Mira")
    process, url, _ = start_http_on_any_port(db, "--auth", "oauth")  # type: ignore[arg-type]
    try:
        issuer = url.removesuffix("/mcp")
        printed = worktrail("link", "--resource", mira, "--url", issuer, "--db", str(db))
        assert printed.returncode == 0, printed.stderr
        assert f"Sign in as Mira ({mira}) at {issuer}/, once, within 15 minutes:" in printed.stdout
        assert "paste it into the board's login page" in printed.stdout, "a person sent to log in by an app can go on"
        found = ADDRESS.search(printed.stdout)
        assert found is not None and found.group(1).startswith(f"{issuer}/login/once?token=")
        with httpx2.Client(timeout=30) as person:
            signed_in = person.get(found.group(1))
            assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
            now = person.get(f"{issuer}/")
            assert now.status_code == 200 and "Mira" in now.text
        with httpx2.Client(timeout=30) as again:
            used = again.get(found.group(1))
            assert used.status_code == 401 and "already used or has expired" in used.text
        owners = worktrail("link", "--url", issuer, "--db", str(db))  # the owner by default
        assert owners.returncode == 0 and "Sign in as owner (res_" in owners.stdout, owners.stderr
    finally:
        stop(process)


@pytest.mark.processes
def test_link_defaults_to_the_owner_at_worktrail_boards_address(initialised: tuple[Path | str, str]) -> None:
    db, _ = initialised
    printed = worktrail("link", "--db", str(db))
    assert printed.returncode == 0, printed.stderr
    found = ADDRESS.search(printed.stdout)
    assert found is not None and found.group(1).startswith("http://127.0.0.1:8766/login/once?token=")


@pytest.mark.processes
def test_link_refuses_an_unknown_inactive_or_non_person_resource_and_a_bad_url(
    initialised: tuple[Path | str, str],
) -> None:
    db, key = initialised
    gone, bot = cli_person(db, key, "Gone", status="inactive"), cli_person(db, key, "Bot", type="agent")
    unknown = "res_" + "0" * 24
    for resource, says in ((unknown, f"--resource: No resource {unknown} in this ledger"),
                           (gone, f"--resource: {gone} (Gone) is inactive"),
                           (bot, f"--resource: {bot} (Bot) is an agent, not a person")):  # fmt: skip
        refused = worktrail("link", "--resource", resource, "--db", str(db))
        assert refused.returncode == 1 and says in refused.stderr and refused.stdout == "", refused.stderr
    for url, says in (("http://ledger.example.com", "takes an https:// address"),
                      ("https://ledger.example.com/board", "no path"), ("ftp://x", "takes the board's address")):  # fmt: skip
        refused = worktrail("link", "--url", url, "--db", str(db))
        assert refused.returncode == 2 and refused.stderr.startswith("worktrail link: --url: ") and says in refused.stderr
    assert "example:\n  worktrail link --resource" in worktrail("link", "--help").stdout


@pytest.mark.anyio
async def test_a_link_is_refused_after_15_minutes(store: Store, owner_key: str) -> None:
    clock = PinnedClock("2026-12-07T10:00:00Z")
    async with connect(store, owner_key) as owner:
        mira, _ = await make_resource(owner, "member", "Mira", type="human")
    early, _ = await store.board_sessions.link(clock.now(), "http://127.0.0.1:8766", mira, LINK_TTL)
    late, _ = await store.board_sessions.link(clock.now(), "http://127.0.0.1:8766", mira, LINK_TTL)
    async with browser(board_over(store, clock, ticket_origin="http://127.0.0.1:8766")) as person:
        clock.set(format_ts(clock.now() + LINK_TTL - timedelta(seconds=1)))
        assert (await person.get(f"/login/once?token={early}")).status_code == 303
        clock.set(format_ts(clock.now() + timedelta(seconds=1)))
        refused = await person.get(f"/login/once?token={late}")
        assert refused.status_code == 401 and "already used or has expired" in refused.text
    assert LINK_TTL == timedelta(minutes=15)


@pytest.mark.anyio
async def test_a_serve_http_board_takes_addresses_for_its_public_url_only(store: Store, owner_key: str) -> None:
    public = "https://ledger.example.com"
    registry = Registry(ALL_TOOLS, store)
    options = HttpOptions(port=8765, public_url=public, allowed_hosts=("ledger.example.com",), behind_tls_proxy=True)
    served = build_http_app(registry, board_beside(registry, options, timedelta(hours=1)))
    elsewhere, _ = await store.board_sessions.link(SystemClock().now(), "http://127.0.0.1:8766", None, LINK_TTL)
    here, _ = await store.board_sessions.link(SystemClock().now(), public, None, LINK_TTL)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=served), base_url=public) as http:
        assert (await http.get(f"/login/once?token={elsewhere}")).status_code == 401
        assert (await http.get(f"/login/once?token={here}")).status_code == 303
