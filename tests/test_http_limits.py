"""The limits of `serve --http`: --rate-limit counts the verified key (however the scheme is
spelt), the board's pages draw on a budget like `/mcp` calls, and failed authentications are
limited per client address (on by default), on `/mcp` and the board's login alike."""

from __future__ import annotations

import itertools
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2

from tests.conftest import run_worktrail as worktrail
from tests.servers import start_http, stop
from tests.test_http import HEADERS, LIST

UNKNOWN = "wtk_" + "0" * 64


def send(url: str, authorization: str | None) -> httpx2.Response:
    headers = {**HEADERS, **({"Authorization": authorization} if authorization else {})}
    return httpx2.post(url, content=json.dumps(LIST), headers=headers, timeout=30)


def test_the_rate_limit_counts_the_verified_key_however_the_scheme_is_spelt(initialised: tuple[Path, str]) -> None:
    db, key = initialised
    process, url = start_http(db, "--rate-limit", "3/s")
    try:
        spellings = ["".join(s) for s in itertools.product(*zip("bearer", "BEARER", strict=True))][:30]
        started = time.monotonic()
        # Sent ten at a time: one after another, a loaded machine answered them slower than 3 a second.
        with ThreadPoolExecutor(max_workers=10) as senders:
            answers = list(senders.map(lambda scheme: send(url, f"{scheme} {key}"), spellings))
        took = time.monotonic() - started
    finally:
        stop(process)
    limited = [a for a in answers if a.status_code == 429]
    assert any(a.status_code == 200 for a in answers) and limited, [a.status_code for a in answers]
    assert len(answers) - len(limited) <= 3 + 3 * took + 1, "no more than the key's budget went through"
    assert all(int(a.headers["retry-after"]) >= 1 and "3 a second" in a.text for a in limited)


def test_failed_authentications_are_limited_per_address_by_default(initialised: tuple[Path, str]) -> None:
    db, _ = initialised
    process, url = start_http(db)
    try:
        answers = [send(url, f"Bearer {UNKNOWN}") for _ in range(40)]
        no_key = send(url, None)
    finally:
        stop(process)
    codes = [a.status_code for a in answers]
    assert codes[:20] == [401] * 20 and codes.count(429) >= 15, codes  # 20 a minute: one more every 3 s
    limited = [a for a in answers if a.status_code == 429]
    assert all(int(a.headers["retry-after"]) >= 1 and "failed authentications" in a.text for a in limited)
    assert no_key.status_code == 401, "a request without a key is not counted and costs no look-up"


def test_failed_board_logins_count_against_the_address_on_mcp_too(initialised: tuple[Path, str]) -> None:
    db, key = initialised
    process, url = start_http(db, "--auth-fail-limit", "5/min")
    base = url.removesuffix("/mcp")
    try:
        with httpx2.Client(base_url=base, timeout=30) as browser:
            logins = [browser.post("/login", data={"api_key": UNKNOWN}, headers={"Origin": base}) for _ in range(7)]
        answer = send(url, f"Bearer {key}")
    finally:
        stop(process)
    assert [x.status_code for x in logins] == [401] * 5 + [429] * 2  # 5 a minute: one more every 12 s
    assert "Too many failed logins" in logins[-1].text and int(logins[-1].headers["retry-after"]) >= 1
    assert answer.status_code == 429, "past the limit a good key is refused too, before it is looked at"


def test_the_boards_pages_draw_on_the_signed_in_persons_budget(initialised: tuple[Path, str]) -> None:
    db, key = initialised
    process, url = start_http(db, "--rate-limit", "2/s")
    base = url.removesuffix("/mcp")
    try:
        with httpx2.Client(base_url=base, timeout=30) as browser:
            assert browser.post("/login", data={"api_key": key}, headers={"Origin": base}).status_code == 303
            started = time.monotonic()
            pages = [browser.get("/tasks") for _ in range(20)]
            took = time.monotonic() - started
    finally:
        stop(process)
    limited = [p for p in pages if p.status_code == 429]
    assert pages[0].status_code == 200 and limited, [p.status_code for p in pages]
    assert len(pages) - len(limited) <= 2 + 2 * took + 1, "no more than the session's budget went through"
    assert all(int(p.headers["retry-after"]) >= 1 for p in limited)


def test_a_bad_auth_fail_limit_names_the_option_and_the_fix(initialised: tuple[Path, str]) -> None:
    db, _ = initialised
    done = worktrail("serve", "--http", "--db", str(db), "--auth-fail-limit", "lots")
    assert done.returncode == 2 and "--auth-fail-limit" in done.stderr and "20/min" in done.stderr
