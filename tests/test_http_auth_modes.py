"""`serve --http --auth keys|oauth` and `--public-url` (issue 29): with keys (the default) no OAuth
discovery at all, since clients that find any take it for "do OAuth" and drop the key they were
given; with oauth, the protected-resource metadata names this server as the authorization server
at the address clients see. Real processes, raw HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import pytest

from tests.conftest import run_worktrail as worktrail
from tests.servers import free_port, start_http, start_http_on_any_port, stop
from worktrail.cli.main import main

LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json",
           "MCP-Protocol-Version": "2025-11-25"}  # fmt: skip
DISCOVERY = [
    "/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp",
    "/.well-known/oauth-authorization-server", "/.well-known/oauth-authorization-server/mcp",
    "/.well-known/openid-configuration", "/.well-known/openid-configuration/mcp", "/mcp/.well-known/openid-configuration",
]  # fmt: skip


def _post(url: str, key: str | None = None) -> httpx2.Response:
    sent = {**HEADERS, **({"Authorization": f"Bearer {key}"} if key else {})}
    return httpx2.post(url, content=json.dumps(LIST), headers=sent, timeout=30)


@pytest.mark.processes
@pytest.mark.parametrize("mode", [(), ("--auth", "keys")], ids=["default", "--auth keys"])
def test_keys_mode_serves_no_oauth_discovery_and_a_plain_bearer_challenge(
    initialised: tuple[Path, str], mode: tuple[str, ...]
) -> None:
    db, key = initialised
    process, url, _ = start_http_on_any_port(db, *mode)  # type: ignore[arg-type]
    try:
        base = url.removesuffix("/mcp")
        for path in DISCOVERY:
            assert httpx2.get(base + path, timeout=30).status_code == 404, path
        assert _post(url).headers["www-authenticate"] == 'Bearer realm="worktrail"'
        refused = _post(url, "wtk_" + "0" * 64).headers["www-authenticate"]
        assert refused.startswith('Bearer realm="worktrail", error="invalid_token", error_description="The API key was refused')
        assert _post(url, key).status_code == 200
    finally:
        stop(process)


@pytest.mark.processes
def test_oauth_mode_on_loopback_names_itself_the_authorization_server_and_keys_still_work(
    initialised: tuple[Path, str],
) -> None:
    db, key = initialised
    process, url, _ = start_http_on_any_port(db, "--auth", "oauth")  # type: ignore[arg-type]
    try:
        issuer = url.removesuffix("/mcp")
        metadata_url = f"{issuer}/.well-known/oauth-protected-resource/mcp"
        metadata = httpx2.get(metadata_url, timeout=30).json()
        assert metadata["resource"] == url and metadata["authorization_servers"] == [issuer]
        assert metadata["scopes_supported"] == ["ledger:read", "ledger:write", "ledger:admin"]
        assert issuer.startswith("http://127.0.0.1:") and not issuer.endswith(":0")
        challenge = _post(url).headers["www-authenticate"]
        assert challenge == f'Bearer realm="worktrail", resource_metadata="{metadata_url}", scope="ledger:write"'
        assert 'error="invalid_token"' in _post(url, "wtk_" + "0" * 64).headers["www-authenticate"]
        assert _post(url, key).status_code == 200, "an API key keeps working beside OAuth"
    finally:
        stop(process)


@pytest.mark.processes
def test_the_public_url_is_the_issuer_and_the_resource(initialised: tuple[Path, str]) -> None:
    db, _ = initialised
    port = free_port()
    process, url = start_http(db, "--auth", "oauth", "--public-url", "https://ledger.example.com/", port=port)  # type: ignore[arg-type]
    try:
        metadata = httpx2.get(url.replace("/mcp", "/.well-known/oauth-protected-resource/mcp"), timeout=30).json()
        assert metadata["resource"] == "https://ledger.example.com/mcp"
        assert metadata["authorization_servers"] == ["https://ledger.example.com"]
    finally:
        _, said = stop(process)
    assert "MCP at https://ledger.example.com/mcp" in said


@pytest.mark.processes
def test_oauth_beyond_loopback_without_a_public_url_is_refused_in_one_line(initialised: tuple[Path, str]) -> None:
    db, _ = initialised
    done = worktrail("serve", "--http", "--auth", "oauth", "--host", "0.0.0.0", "--allowed-host", "ledger.example.com",
                     "--port", str(free_port()), "--db", str(db))  # fmt: skip
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "--auth oauth" in done.stderr and "--public-url URL" in done.stderr


@pytest.mark.parametrize(
    ("given", "says"),
    [("http://ledger.example.com", "takes an https:// address; http:// only for a loopback host"),
     ("https://ledger.example.com/ledger", "no path"),
     ("ftp://ledger.example.com", "takes the address clients reach this server by")],
)  # fmt: skip
def test_a_public_url_must_be_https_unless_loopback_and_have_no_path(
    given: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--http", "--auth", "oauth", "--public-url", given])
    line = capsys.readouterr().err.strip()
    assert stopped.value.code == 2 and line.startswith("worktrail serve: --public-url: ") and says in line, line


def test_registrations_per_hour_is_for_oauth_and_takes_a_count(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--http", "--auth", "oauth", "--registrations-per-hour", "0"])
    line = capsys.readouterr().err.strip()
    assert stopped.value.code == 2 and line.startswith("worktrail serve: --registrations-per-hour: "), line
    assert "1 or more" in line
    db = str(tmp_path / "never.db")
    assert main(["serve", "--http", "--registrations-per-hour", "20", "--port", str(free_port()), "--db", db]) == 1
    line = capsys.readouterr().err.strip()
    assert "--registrations-per-hour is for --auth oauth" in line and len(line.splitlines()) == 1, line
    assert not (tmp_path / "never.db").exists()


def test_an_http_public_url_on_a_loopback_host_is_taken() -> None:
    from worktrail.cli.option_values import public_url

    for loopback in ("http://127.0.0.1:8765", "http://localhost:8765/", "http://[::1]:8765"):
        assert public_url(loopback) == loopback.rstrip("/")


@pytest.mark.processes
def test_the_public_urls_host_is_answered_and_its_https_makes_the_boards_cookie_secure(
    initialised: tuple[Path, str],
) -> None:
    db, key = initialised
    process, url = start_http(db, "--auth", "oauth", "--public-url", "https://ledger.example.com", port=free_port())  # type: ignore[arg-type]
    try:  # each request as a proxy passes it on: with the public address's Host
        answer = httpx2.post(url, content=json.dumps(LIST), headers={**HEADERS, "Host": "ledger.example.com",
                             "Authorization": f"Bearer {key}"}, timeout=30)  # fmt: skip
        assert answer.status_code == 200, answer.text
        other = httpx2.post(url, content=json.dumps(LIST), headers={**HEADERS, "Host": "elsewhere.example.com",
                            "Authorization": f"Bearer {key}"}, timeout=30)  # fmt: skip
        assert other.status_code == 421
        signed = httpx2.post(url.replace("/mcp", "/login"), data={"api_key": key}, headers={"Host": "ledger.example.com"},
                             timeout=30)  # fmt: skip
        cookie = signed.headers.get("set-cookie", "")
        assert signed.status_code == 303 and "; secure" in cookie.lower(), (signed.status_code, cookie)
    finally:
        _, said = stop(process)
    assert "without TLS" not in said


@pytest.mark.processes
def test_oauth_on_loopback_with_an_allowed_host_and_no_public_url_is_its_loopback_issuer(
    initialised: tuple[Path, str],
) -> None:
    db, _ = initialised
    process, url, line = start_http_on_any_port(db, "--auth", "oauth", "--allowed-host", "ledger.lan")
    try:
        port = url.rsplit(":", 1)[1].split("/")[0]
        assert f"MCP at http://127.0.0.1:{port}/mcp" in line, "the address printed is the one an app signs in at"
        metadata = httpx2.get(f"http://127.0.0.1:{port}/.well-known/oauth-authorization-server", timeout=30).json()
        assert metadata["issuer"] == f"http://127.0.0.1:{port}", metadata
    finally:
        stop(process)


@pytest.mark.processes
def test_oauth_mode_tells_no_credential_to_sign_in_or_send_a_key_and_a_refused_token_to_refresh(
    initialised: tuple[Path, str],
) -> None:
    db, _ = initialised
    process, url, _ = start_http_on_any_port(db, "--auth", "oauth")  # type: ignore[arg-type]
    try:
        metadata_url = url.removesuffix("/mcp") + "/.well-known/oauth-protected-resource/mcp"
        nothing = _post(url)
        assert nothing.status_code == 401 and "error" not in nothing.json(), "RFC 6750 3.1: no error code without a credential"
        said = nothing.json()["error_description"]
        assert "sign in with OAuth" in said and metadata_url in said and "API key" in said, said
        assert "error=" not in nothing.headers["www-authenticate"]
        token = _post(url, "wta_" + "0" * 43)
        assert token.json() == {"error": "invalid_token", "error_description": token.json()["error_description"]}
        assert "expired or revoked: refresh it or sign in again" in token.json()["error_description"]
        assert 'error="invalid_token"' in token.headers["www-authenticate"]
        assert "expired or revoked: refresh it or sign in again" in token.headers["www-authenticate"]
        assert "The API key was refused" in _post(url, "wtk_" + "0" * 64).json()["error_description"]
    finally:
        stop(process)
