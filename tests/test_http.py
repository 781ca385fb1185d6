"""`worktrail serve --http` as a team's server: bearer API keys on every request, safe defaults
(loopback, Host and Origin allow-lists, a body limit, a rate limit), health, an access log that
names keys by id, and a stop that lets calls in flight finish. Real processes, raw HTTP and the
SDK's streamable HTTP client."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx2
import pytest

from tests.conftest import alter, peek, write_lock_held
from tests.conftest import run_worktrail as worktrail
from tests.servers import free_port, http_client, start_http, start_http_on_any_port, stop

pytestmark = [pytest.mark.anyio, pytest.mark.processes]

LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json",
           "MCP-Protocol-Version": "2025-11-25"}  # fmt: skip


def call(name: str, arguments: dict, n: int = 2) -> dict:
    return {"jsonrpc": "2.0", "id": n, "method": "tools/call", "params": {"name": name, "arguments": arguments}}


@pytest.fixture
def server(initialised: tuple[Path, str]):  # type: ignore[no-untyped-def]
    db, key = initialised
    process, url = start_http(db)
    yield db, key, url, process
    stop(process)


def post(url: str, body: dict, key: str | None = None, **headers: str) -> httpx2.Response:
    sent = {**HEADERS, **({"Authorization": f"Bearer {key}"} if key else {}), **headers}
    return httpx2.post(url, content=json.dumps(body), headers=sent, timeout=30)


def new_key(db: Path, owner_key: str, role: str) -> tuple[str, str]:
    """A resource of `role` and its key: (key id, key)."""
    env = {"WORKTRAIL_API_KEY": owner_key}
    made = json.loads(worktrail("call", "ts.res.create", json.dumps({"type": "agent", "name": role, "role": role}),
                                "--db", str(db), env=env).stdout)  # fmt: skip
    key = json.loads(worktrail("key", "create", "--db", str(db), "--resource", made["id"], "--json").stdout)
    return key["id"], key["api_key"]


def test_a_request_without_a_good_key_is_401_with_a_bearer_challenge_and_never_echoing_it(server) -> None:  # type: ignore[no-untyped-def]
    db, owner_key, url, _ = server
    viewer_id, viewer_key = new_key(db, owner_key, "viewer")
    worktrail("key", "revoke", "--db", str(db), viewer_id)
    inactive_id, inactive_key = new_key(db, owner_key, "member")
    resource = json.loads(worktrail("key", "list", "--db", str(db), "--json").stdout.splitlines()[0])["resource_id"]
    worktrail("call", "ts.res.update", json.dumps({"id": resource, "status": "inactive"}), "--db", str(db),
              env={"WORKTRAIL_API_KEY": owner_key})  # fmt: skip
    bad = {
        "no header": {},
        "not bearer": {"Authorization": f"Basic {owner_key}"},
        "empty bearer": {"Authorization": "Bearer"},
        "malformed": {"Authorization": "Bearer not a key at all"},
        "unknown key": {"Authorization": "Bearer wtk_" + "0" * 64},
        "revoked key": {"Authorization": f"Bearer {viewer_key}"},
        "inactive resource": {"Authorization": f"Bearer {inactive_key}"},
    }
    for why, headers in bad.items():
        answer = httpx2.post(url, content=json.dumps(LIST), headers={**HEADERS, **headers}, timeout=30)
        assert answer.status_code == 401, why
        challenge = answer.headers["www-authenticate"]
        assert challenge.startswith('Bearer realm="worktrail"') and "resource_metadata" not in challenge, why
        for secret in (owner_key, viewer_key, inactive_key):
            assert secret not in answer.text and secret not in challenge, why
    # --auth keys (the default) serves no OAuth discovery: clients would take it for "do OAuth".
    assert httpx2.get(url.replace("/mcp", "/.well-known/oauth-protected-resource/mcp"), timeout=30).status_code == 404


async def test_a_key_revoked_mid_session_is_refused_from_the_next_request(server) -> None:  # type: ignore[no-untyped-def]
    db, owner_key, url, _ = server
    _, other_key = new_key(db, owner_key, "member")
    for mode in ("auto", "legacy"):
        async with http_client(url, owner_key, mode) as owner:
            spare = (await owner.call_tool("ts.key.create", {"name": f"spare {mode}"})).structured_content
        async with http_client(url, spare["api_key"], mode) as agent:
            assert not (await agent.call_tool("ts.tsk.list", {})).is_error
            worktrail("key", "revoke", "--db", str(db), spare["id"])
            with pytest.raises(Exception):  # noqa: B017 - the SDK raises on an HTTP 401; any error will do
                await agent.call_tool("ts.tsk.list", {})
    assert post(url, LIST, other_key).status_code == 200, "another key is not affected"


async def test_a_viewer_reads_and_its_write_is_forbidden_as_over_stdio(server) -> None:  # type: ignore[no-untyped-def]
    db, owner_key, url, _ = server
    _, viewer_key = new_key(db, owner_key, "viewer")
    async with http_client(url, viewer_key) as viewer:
        assert not (await viewer.call_tool("ts.tsk.list", {})).is_error
        refused = await viewer.call_tool("ts.tsk.create", {"title": "no"})
        assert refused.is_error and refused.structured_content["error"]["code"] == "forbidden"
        names = {t.name for t in (await viewer.list_tools()).tools}
    assert "ts.auth.whoami" in names and not {"ts.auth.login", "ts.auth.logout"} & names


def test_a_foreign_origin_is_403_and_a_foreign_host_421(server) -> None:  # type: ignore[no-untyped-def]
    _, key, url, _ = server
    assert post(url, LIST, key, Origin="http://evil.example").status_code == 403
    assert post(url, LIST, key, Host="evil.example").status_code == 421
    assert post(url, LIST, key, Origin="http://127.0.0.1:9999").status_code == 200, "another loopback port is allowed"


def test_a_body_over_the_limit_is_413_and_past_the_rate_429(initialised: tuple[Path, str]) -> None:
    db, key = initialised
    # The 413 and the first call take the budget of 2; the next eleven are refused unless each takes
    # half a second (at 5/s a loaded machine let them all through).
    process, url = start_http(db, "--max-body", "64KiB", "--rate-limit", "2/s")
    try:
        big = call("ts.tsk.create", {"title": "x", "description": "y" * 70_000})
        assert post(url, big, key).status_code == 413
        answers = [post(url, LIST, key) for _ in range(12)]
        limited = [a for a in answers if a.status_code == 429]
        assert limited and all(int(a.headers["retry-after"]) >= 1 for a in limited)
        assert answers[0].status_code == 200
    finally:
        stop(process)


def test_healthz_and_readyz_need_no_key_and_readyz_fails_when_the_ledger_cannot_be_read(server) -> None:  # type: ignore[no-untyped-def]
    db, _, url, _ = server
    base = url.removesuffix("/mcp")
    assert httpx2.get(f"{base}/healthz").status_code == 200 and httpx2.get(f"{base}/readyz").status_code == 200
    if isinstance(db, Path):
        with db.open("r+b") as ledger:  # the file's header destroyed: no read of it can succeed
            ledger.write(b"\0" * 100)
    else:
        alter(db, "ALTER TABLE resource RENAME TO resource_gone")  # no read of the ledger can succeed
    answer = httpx2.get(f"{base}/readyz")
    assert answer.status_code == 503 and answer.text.count("\n") == 1
    assert httpx2.get(f"{base}/healthz").status_code == 200


def test_every_request_has_one_access_line_naming_the_key_by_id(initialised: tuple[Path, str]) -> None:
    db, key = initialised
    key_id = json.loads(worktrail("key", "list", "--db", str(db), "--json").stdout.splitlines()[0])["id"]
    process, url = start_http(db, "--log-format", "json")
    post(url, call("ts.tsk.create", {"title": "logged"}), key)
    post(url, call("ts.tsk.update", {"id": "tsk_000000000000000000000000", "status": "done"}), key)
    post(url, LIST, "wtk_" + "1" * 64)
    code, stderr = stop(process)
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert [(x["method"], x["tool"], x["outcome"], x["key_id"]) for x in lines[-3:]] == [
        ("tools/call", "ts.tsk.create", "ok", key_id),
        ("tools/call", "ts.tsk.update", "not_found", key_id),
        ("POST /mcp", None, "401", None),
    ]
    assert all(isinstance(x["ms"], float) and x["time"].endswith("Z") for x in lines)
    assert key not in stderr and "1" * 64 not in stderr and code == 0


def test_a_stop_signal_lets_the_call_in_flight_finish_and_exits_0(initialised: tuple[Path, str]) -> None:
    db, key = initialised
    process, url = start_http(db)
    with write_lock_held(db) as release:  # another process holds the write lock: the call waits for it
        answers: list[httpx2.Response] = []
        caller = threading.Thread(
            target=lambda: answers.append(post(url, call("ts.tsk.create", {"title": "in flight"}), key))
        )
        caller.start()
        time.sleep(1.0)
        process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        release()  # the lock is free: the call goes on and commits
        caller.join(30)
    code = process.wait(30)  # it stops by itself, once the call has answered
    stderr = process.stderr.read() if process.stderr else ""
    assert code == 0, stderr
    assert answers and answers[0].status_code == 200 and '"isError":false' in answers[0].text.replace(" ", "")
    assert peek(db, "SELECT COUNT(*) FROM task WHERE title = 'in flight'") == [(1,)]
    assert peek(db, "SELECT COUNT(*) FROM instance") == [(0,)]


def test_beyond_loopback_a_host_name_is_required(initialised: tuple[Path, str]) -> None:
    db, _ = initialised
    done = worktrail("serve", "--http", "--host", "0.0.0.0", "--port", str(free_port()), "--db", str(db))
    assert done.returncode == 1 and "--allowed-host" in done.stderr and len(done.stderr.strip().splitlines()) == 1


async def test_tool_names_follow_the_client_that_names_itself_else_underscores(server) -> None:  # type: ignore[no-untyped-def]
    _, key, url, _ = server
    async with http_client(url, key, "auto", client_name="mcp") as modern:  # 2026-07-28: every request names it
        assert "ts.tsk.update" in {t.name for t in (await modern.list_tools()).tools}
    async with http_client(url, key, "legacy", client_name="mcp") as legacy:  # stateless: tools/list names nobody
        names = {t.name for t in (await legacy.list_tools()).tools}
        assert "ts_tsk_update" in names
        called = await legacy.call_tool("ts_tsk_create", {"title": "by underscore"})
        assert not called.is_error
    async with http_client(url, key, "auto", client_name="cursor") as cursor:
        assert "ts_tsk_update" in {t.name for t in (await cursor.list_tools()).tools}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP])
def test_sigint_and_sighup_stop_the_http_server_cleanly(initialised: tuple[Path, str], signum: int) -> None:
    db, _ = initialised
    process, _ = start_http(db)
    process.send_signal(signum)
    code = process.wait(30)
    assert code == 0 and "Traceback" not in (process.stderr.read() if process.stderr else "")


def test_beyond_loopback_without_tls_it_serves_with_a_warning(initialised: tuple[Path, str]) -> None:
    db, key = initialised
    port = free_port()
    process, _ = start_http(db, "--host", "0.0.0.0", "--allowed-host", "localhost", port=port)
    try:
        answer = httpx2.post(f"http://localhost:{port}/mcp", content=json.dumps(LIST),
                             headers={**HEADERS, "Authorization": f"Bearer {key}"}, timeout=30)  # fmt: skip
        assert answer.status_code == 200
    finally:
        code, stderr = stop(process)
    assert "without TLS" in stderr and "--tls-cert" in stderr


def test_once_listening_it_says_where_mcp_and_the_board_are_and_how_to_stop(initialised: tuple[Path, str]) -> None:
    db, key = initialised
    process, url, said = start_http_on_any_port(db)
    try:
        assert not url.endswith(":0/mcp") and post(url, LIST, key).status_code == 200, said
        base = url.removesuffix("/mcp")
        assert f"the board at {base}/" in said and "Ctrl-C" in said and said.count("\n") == 1
        assert httpx2.get(f"{base}/login", timeout=30).status_code == 200
    finally:
        stop(process)


async def test_the_instructions_name_only_listed_tools_by_their_listed_names(server) -> None:  # type: ignore[no-untyped-def]
    _, key, url, _ = server
    for mode, client_name in (("auto", "mcp"), ("auto", "cursor"), ("legacy", "mcp"), ("legacy", "cursor")):
        async with http_client(url, key, mode, client_name=client_name) as client:
            listed = {t.name for t in (await client.list_tools()).tools}
            said = client.instructions or ""
        named = set(re.findall(r"\bts[._][a-z]+[._][a-z_]+\b", said))
        assert named and named <= listed, (mode, client_name, named - listed)
        assert "Authorization: Bearer" in said


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl makes the test's certificates")
def test_a_tls_key_that_is_not_the_certificates_is_one_line_naming_it(initialised: tuple[Path, str], tmp_path: Path) -> None:
    db, _ = initialised
    for n in (1, 2):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                        "-keyout", str(tmp_path / f"k{n}.pem"), "-out", str(tmp_path / f"c{n}.pem")],
                       capture_output=True, check=True)  # fmt: skip
    done = worktrail("serve", "--http", "--db", str(db), "--port", str(free_port()),
                     "--tls-cert", str(tmp_path / "c1.pem"), "--tls-key", str(tmp_path / "k2.pem"))  # fmt: skip
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert "--tls-key" in done.stderr and "is not the private key of --tls-cert" in done.stderr
    assert "unexpected" not in done.stderr and "Traceback" not in done.stderr
