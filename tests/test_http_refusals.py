"""What `serve --http` refuses before any call, and that each refusal says the fix: the Host read
strictly (on `/mcp` and on the board alike), 401 telling "no key" from "key refused", 421 naming
--allowed-host, 413 naming the limit and --max-body."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import pytest

from tests.conftest import run_worktrail as worktrail
from tests.servers import start_http, stop
from tests.test_http import HEADERS, LIST, call, new_key, post

# Host headers that start like an allowed name but are not one.
FORGED_HOSTS = ["localhost:80@evil.com", "localhost:evil", "[::1]evil.com", "[::1", "localhost:", "127.0.0.1:99999",
                "localhost:80:80", "localhost/evil", "evil.com#localhost", "localhost 80"]  # fmt: skip
GOOD_HOSTS = ["localhost", "localhost:1234", "127.0.0.1", "[::1]:8765", "[::1]"]


@pytest.fixture
def server(initialised: tuple[Path, str]):  # type: ignore[no-untyped-def]
    db, key = initialised
    process, url = start_http(db, "--max-body", "64KiB")
    yield db, key, url
    stop(process)


def test_a_host_is_parsed_strictly_before_it_is_compared_on_mcp_and_the_board(server) -> None:  # type: ignore[no-untyped-def]
    _, key, url = server
    base = url.removesuffix("/mcp")
    for host in FORGED_HOSTS:
        refused = post(url, LIST, key, Host=host)
        assert refused.status_code == 421 and "--allowed-host" in refused.text, host
        board = httpx2.get(f"{base}/login", headers={"Host": host}, timeout=30)
        assert board.status_code == 421 and "--allowed-host" in board.text, host
    for host in GOOD_HOSTS:
        assert post(url, LIST, key, Host=host).status_code == 200, host
        assert httpx2.get(f"{base}/login", headers={"Host": host}, timeout=30).status_code == 200, host


def test_a_401_tells_no_key_from_a_refused_key_without_saying_why_it_was_refused(server) -> None:  # type: ignore[no-untyped-def]
    db, owner_key, url = server
    revoked_id, revoked = new_key(db, owner_key, "viewer")
    worktrail("key", "revoke", "--db", str(db), revoked_id)
    said = {}
    for why, headers in {"none": {}, "basic": {"Authorization": f"Basic {owner_key}"},
                         "unknown": {"Authorization": "Bearer wtk_" + "0" * 64},
                         "revoked": {"Authorization": f"bearer {revoked}"}}.items():  # fmt: skip
        answer = httpx2.post(url, content=json.dumps(LIST), headers={**HEADERS, **headers}, timeout=30)
        assert answer.status_code == 401, why
        description = answer.json()["error_description"]
        challenge = answer.headers["www-authenticate"]
        if why in ("none", "basic"):  # RFC 6750 3.1: no credential, no error in the challenge
            assert challenge == 'Bearer realm="worktrail"', why
        else:
            assert challenge.startswith('Bearer realm="worktrail", error="invalid_token", '), why
            assert f'error_description="{description}"' in challenge, why
        said[why] = description
    assert said["none"] == said["basic"] and "No API key" in said["none"] and "Authorization: Bearer" in said["none"]
    assert said["unknown"] == said["revoked"] != said["none"]
    assert "refused" in said["unknown"] and "unknown, revoked, or its resource is inactive" in said["unknown"]


def test_a_body_over_the_limit_is_413_naming_the_limit_and_the_option(server) -> None:  # type: ignore[no-untyped-def]
    _, key, url = server
    refused = post(url, call("ts.tsk.create", {"title": "x", "description": "y" * 70_000}), key)
    assert refused.status_code == 413 and "64KiB" in refused.text and "--max-body" in refused.text
