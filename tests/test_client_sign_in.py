"""`worktrail client` for the assistants that sign in with OAuth (issue 29): the connector steps
for claude.ai and ChatGPT, and the form without a key for the clients that sign in by themselves,
chosen by asking a real `serve --http` server's protected-resource metadata (or by --sign-in)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_worktrail
from tests.oauth_sign_in import provider, signed_in_client
from tests.servers import free_port, http_client, start_http, start_http_on_any_port, stop

pytestmark = pytest.mark.processes
NO_KEY = {"WORKTRAIL_API_KEY": ""}  # the suite's own environment may name one
CALLBACKS = {"claude-ai": "https://claude.ai/api/mcp/auth_callback",
             "chatgpt": "https://chatgpt.com/connector_platform_oauth_redirect"}  # fmt: skip


def worktrail(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return run_worktrail(*args, env={**NO_KEY, **(env or {})})


def _config(stdout: str) -> dict[str, object]:
    """The JSON a client is told to paste, parsed (it must parse)."""
    return json.loads(stdout[stdout.index("{") : stdout.rindex("}") + 1])


@pytest.mark.parametrize(("name", "where"), [("claude-ai", "Settings > Connectors > Add custom connector"),
                                             ("chatgpt", "Developer mode")])  # fmt: skip
def test_a_connector_is_told_the_mcp_url_where_to_paste_it_and_its_callback(name: str, where: str) -> None:
    done = worktrail("client", name, "--url", "https://ledger.example.com/mcp")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())  # as read, whatever the line breaks
    assert "https://ledger.example.com/mcp" in text and CALLBACKS[name] in text and where in text
    assert "--auth oauth --public-url https://ledger.example.com" in text and "over https" in text
    assert "consent page" in text and "Approve" in text and "Keys page" in text
    assert "Bearer" not in text and "wtk_" not in text


def test_claude_ai_says_desktop_and_mobile_use_its_connectors_and_names_claude_com_too() -> None:
    text = " ".join(worktrail("client", "claude-ai", "--url", "https://l.example.com/mcp").stdout.split())
    assert "https://claude.com/api/mcp/auth_callback" in text
    assert "Claude Desktop does not connect to remote servers from its config file" in text


@pytest.mark.parametrize("name", ["claude-ai", "chatgpt"])
def test_a_connector_refuses_an_http_url_beyond_loopback_saying_it_reaches_only_public_https(name: str) -> None:
    done = worktrail("client", name, "--url", "http://ledger.example.com:8765/mcp")
    assert done.returncode == 1 and done.stdout == "" and len(done.stderr.strip().splitlines()) == 1
    assert "reaches only public https:// addresses" in done.stderr and "--url" in done.stderr


def test_a_connector_takes_a_loopback_http_url_and_says_the_service_cannot_reach_it() -> None:
    done = worktrail("client", "chatgpt", "--url", "http://127.0.0.1:8765/mcp")
    assert done.returncode == 0 and "ChatGPT cannot reach it" in " ".join(done.stdout.split())


@pytest.mark.parametrize("name", ["claude-ai", "chatgpt"])
def test_a_connector_takes_the_bare_public_address_and_adds_mcp(name: str) -> None:
    done = worktrail("client", name, "--url", "https://ledger.example.com/")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "URL: https://ledger.example.com/mcp." in text and "--public-url https://ledger.example.com ..." in text


def test_the_example_of_a_refused_url_is_one_a_connector_takes() -> None:
    refused = worktrail("client", "chatgpt", "--url", "https://ledger.example.com/elsewhere")
    assert refused.returncode == 2 and "e.g. " in refused.stderr, refused.stderr
    example = refused.stderr.split("e.g. ")[1].split()[0]
    assert worktrail("client", "chatgpt", "--url", example).returncode == 0, example


def test_a_connector_on_loopback_warns_first_that_the_service_can_never_reach_it() -> None:
    done = worktrail("client", "claude-ai", "--url", "http://127.0.0.1:8765/mcp")
    assert done.returncode == 0 and done.stdout.startswith("Warning: http://127.0.0.1:8765/mcp is a loopback address")
    assert "claude.ai cannot reach it" in " ".join(done.stdout.split()[:20])


def test_a_connectors_sign_in_step_names_the_one_time_address_for_a_person_without_a_key() -> None:
    text = " ".join(worktrail("client", "chatgpt", "--url", "https://l.example.com/mcp").stdout.split())
    assert "4. " in text and "worktrail link --url https://l.example.com" in text.split("4. ")[1].split("5. ")[0]


@pytest.mark.parametrize("name", ["claude-ai", "chatgpt"])
def test_a_connector_refuses_a_key_in_one_line_saying_why(name: str) -> None:
    done = worktrail("client", name, "--url", "https://l.example.com/mcp", "--key", "wtk_" + "a" * 64)
    assert done.returncode == 1 and done.stdout == "" and len(done.stderr.strip().splitlines()) == 1
    assert "takes no API key" in done.stderr and "OAuth" in done.stderr and "wtk_" not in done.stderr


def test_a_connector_refuses_new_key_and_makes_none(initialised: tuple[Path | str, str]) -> None:
    db, _ = initialised
    done = worktrail("client", "claude-ai", "--url", "https://l.example.com/mcp", "--new-key", "--db", str(db))
    assert done.returncode == 1 and done.stdout == "" and "takes no API key" in done.stderr
    assert len(worktrail("key", "list", "--db", str(db), "--json").stdout.splitlines()) == 1, "no key was made"


def test_a_connector_without_url_is_told_to_give_the_public_one() -> None:
    done = worktrail("client", "claude-ai")
    assert done.returncode == 1 and "--url https://HOST/mcp" in done.stderr


def test_claude_desktop_by_url_is_pointed_at_the_claude_ai_connector() -> None:
    done = worktrail("client", "claude-desktop", "--url", "http://h:1/mcp", "--key", "wtk_x")
    assert done.returncode == 1 and "worktrail client claude-ai --url URL" in done.stderr


@pytest.mark.anyio
async def test_against_an_oauth_server_each_client_that_signs_in_gets_the_form_without_a_key(
    initialised: tuple[Path | str, str],
) -> None:
    db, key = initialised
    process, url, _ = start_http_on_any_port(db, "--auth", "oauth")  # type: ignore[arg-type]
    try:
        done = {name: worktrail("client", name, "--url", url) for name in ("claude-code", "vscode", "cursor", "windsurf")}
        printed = _config(done["cursor"].stdout)["mcpServers"]["worktrail"]["url"]  # type: ignore[index]
        # The form signs in: the SDK's own OAuth client, given only that URL, finds the sign-in and calls a tool.
        async with signed_in_client(printed, provider(printed, url.removesuffix("/mcp"), key)) as assistant:
            me = (await assistant.call_tool("ts.auth.whoami", {})).structured_content
    finally:
        stop(process)
    assert me is not None and me["name"] == "owner", me
    for name, printed in done.items():
        assert printed.returncode == 0, (name, printed.stderr)
        assert "signs in with OAuth on first use" in " ".join(printed.stdout.split()) and "Bearer" not in printed.stdout
    assert done["claude-code"].stdout.splitlines()[1].split() == [
        "claude", "mcp", "add", "--transport", "http", "--scope", "user", "worktrail", url]  # fmt: skip
    assert _config(done["vscode"].stdout) == {"servers": {"worktrail": {"type": "http", "url": url}}}
    assert _config(done["cursor"].stdout) == {"mcpServers": {"worktrail": {"url": url}}}
    assert _config(done["windsurf"].stdout) == {"mcpServers": {"worktrail": {"serverUrl": url}}}


@pytest.mark.anyio
async def test_against_a_keys_server_a_key_gives_the_header_form_and_none_is_refused(
    initialised: tuple[Path | str, str],
) -> None:
    db, key = initialised
    process, url, _ = start_http_on_any_port(db, "--auth", "keys")  # type: ignore[arg-type]
    try:
        keyless = worktrail("client", "cursor", "--url", url)
        keyed = worktrail("client", "cursor", "--url", url, "--key", key)
        from_env = worktrail("client", "vscode", "--url", url, env={"WORKTRAIL_API_KEY": key})
        entry = _config(keyed.stdout)["mcpServers"]["worktrail"]  # type: ignore[index]
        assert entry == {"url": url, "headers": {"Authorization": f"Bearer {key}"}}
        async with http_client(url, key) as client:  # the key the form names works on that server
            assert (await client.call_tool("ts_auth_whoami", {})).structured_content["role"] == "owner"
    finally:
        stop(process)
    assert keyless.returncode == 1 and keyless.stdout == "" and len(keyless.stderr.strip().splitlines()) == 1
    assert "serves no OAuth sign-in" in keyless.stderr and "--key KEY" in keyless.stderr, keyless.stderr
    assert _config(from_env.stdout)["servers"]["worktrail"]["headers"] == {"Authorization": f"Bearer {key}"}  # type: ignore[index]


def test_an_unreachable_server_without_a_key_is_refused_naming_the_metadata_and_sign_in() -> None:
    done = worktrail("client", "cursor", "--url", f"http://127.0.0.1:{free_port()}/mcp")
    assert done.returncode == 1 and done.stdout == "" and len(done.stderr.strip().splitlines()) == 1
    assert "/.well-known/oauth-protected-resource/mcp could not be read" in done.stderr
    assert "--key KEY" in done.stderr and "--sign-in" in done.stderr


def test_sign_in_prints_the_form_without_a_key_without_asking_the_server() -> None:
    url = f"http://127.0.0.1:{free_port()}/mcp"  # nothing listens there
    done = worktrail("client", "windsurf", "--url", url, "--sign-in", env={"WORKTRAIL_API_KEY": "wtk_" + "b" * 64})
    assert done.returncode == 0, done.stderr
    assert _config(done.stdout) == {"mcpServers": {"worktrail": {"serverUrl": url}}}, "--sign-in outweighs the variable"


@pytest.mark.parametrize(
    ("argv", "says"),
    [(["zed", "--url", "http://h:1/mcp", "--sign-in"], "zed is given a key"),
     (["cursor", "--sign-in"], "--sign-in is for a server reached by --url")],
)  # fmt: skip
def test_sign_in_is_refused_where_no_client_signs_in(argv: list[str], says: str, tmp_path: Path) -> None:
    done = worktrail("client", *argv, "--db", str(tmp_path / "l.db"))
    assert done.returncode == 1 and done.stdout == "" and says in done.stderr, done.stderr


def test_sign_in_and_a_key_are_one_choice() -> None:
    done = worktrail("client", "cursor", "--url", "http://h:1/mcp", "--sign-in", "--key", "wtk_x")
    assert done.returncode == 2 and "--sign-in" in done.stderr and "--key" in done.stderr


def test_a_url_other_than_the_one_the_server_names_is_refused_naming_that_one(
    initialised: tuple[Path | str, str],
) -> None:
    db, _ = initialised
    port = free_port()
    process, url = start_http(db, "--auth", "oauth", "--public-url", f"http://localhost:{port}", port=port)  # type: ignore[arg-type]
    try:
        done = worktrail("client", "vscode", "--url", url)  # 127.0.0.1, where the server names localhost
        named = worktrail("client", "vscode", "--url", f"http://localhost:{port}/mcp")
    finally:
        stop(process)
    assert done.returncode == 1 and done.stdout == "" and len(done.stderr.strip().splitlines()) == 1
    assert f"give --url http://localhost:{port}/mcp" in done.stderr, done.stderr
    assert named.returncode == 0 and _config(named.stdout)["servers"]["worktrail"]["url"] == f"http://localhost:{port}/mcp"  # type: ignore[index]
