"""The README's "Run it for a team" section works as written: its commands are read from the
README and run (with a throwaway folder for /srv/worktrail, a free port, a certificate made for
the test and localhost for ledger.example.com), and the client configuration it prints connects."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import POSTGRESQL, postgresql_ledger
from tests.conftest import run_worktrail as worktrail
from tests.servers import free_port, http_client, stop

pytestmark = [pytest.mark.anyio, pytest.mark.processes]
README = Path(__file__).resolve().parents[1] / "README.md"


def team_commands() -> list[list[str]]:
    section = README.read_text().split("## Run it for a team", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)[:2]
    return [
        shlex.split(line, comments=True) for line in "\n".join(blocks).replace("\\\n", " ").splitlines() if line.strip()
    ]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl makes the test's certificate")
async def test_the_team_section_works_as_written(tmp_path: Path) -> None:
    port = free_port()
    cert, key = tmp_path / "ledger.pem", tmp_path / "ledger.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)  # fmt: skip

    def adapt(words: list[str]) -> list[str]:
        text = shlex.join(words).replace("/srv/worktrail", str(tmp_path)).replace("ledger.example.com", "localhost")
        text = text.replace("8765", str(port)).replace("/etc/ssl/ledger.pem", str(cert))
        return shlex.split(text.replace("/etc/ssl/ledger.key", str(key)))

    init, serve, export, create_resource, create_key, configure = (adapt(c) for c in team_commands())
    assert init[0] == "worktrail" and serve[:3] == ["worktrail", "serve", "--http"] and export[0] == "export"
    owner_key = json.loads(worktrail(*init[1:]).stdout)["api_key"]
    server = subprocess.Popen(
        [sys.executable, "-m", "worktrail", *serve[1:]], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        env = {"WORKTRAIL_API_KEY": owner_key}
        bot = json.loads(worktrail(*create_resource[1:], env=env).stdout)
        made = worktrail(*[w.replace("res_BOT_ID", bot["id"]) for w in create_key[1:]])
        bot_key = made.stdout.split()[-1]
        assert made.returncode == 0 and bot_key.startswith("wtk_")
        printed = worktrail(*[w.replace("wtk_BOT_KEY", bot_key) for w in configure[1:]])
        config = json.loads(printed.stdout[printed.stdout.index("{") :])["mcpServers"]["worktrail"]
        for _ in range(100):  # until it listens
            try:
                httpx2.get(config["url"].replace("/mcp", "/healthz"), verify=False, timeout=1)
                break
            except httpx2.HTTPError:
                time.sleep(0.1)
        http = httpx2.AsyncClient(headers=config["headers"], verify=False, timeout=30)
        async with Client(streamable_http_client(config["url"], http_client=http)) as client:  # type: ignore[arg-type]
            who = (await client.call_tool("ts_auth_whoami", {})).structured_content
        assert who["resource_id"] == bot["id"] and who["role"] == "member"
    finally:
        stop(server)


@pytest.mark.parametrize(
    ("client", "marker"),
    [("claude-code", "claude mcp add --transport http"), ("vscode", '"type": "http"'), ("cursor", '"url"'),
     ("windsurf", '"serverUrl"'), ("inspector", "--transport http"), ("generic", '"type": "http"'),
     ("zed", '"context_servers"')],
)  # fmt: skip
def test_each_client_is_told_the_url_and_the_bearer_header(client: str, marker: str) -> None:
    url = "http://ledger.example.com:8765/mcp"
    done = worktrail("client", client, "--url", url, "--key", "wtk_" + "a" * 64)
    assert done.returncode == 0 and marker in done.stdout and url in done.stdout
    assert f"Bearer wtk_{'a' * 64}" in done.stdout


def test_zed_is_told_the_url_and_the_header_in_its_context_servers_form() -> None:
    done = worktrail("client", "zed", "--url", "http://h:1/mcp", "--key", "wtk_x")
    config = json.loads(done.stdout[done.stdout.index("{") :])["context_servers"]["worktrail"]
    assert done.returncode == 0 and config == {"url": "http://h:1/mcp", "headers": {"Authorization": "Bearer wtk_x"}}


@pytest.mark.parametrize(
    "argv", [["init", "--client", "claude-desktop", "--url", "http://h:1/mcp"], ["init", "--client", "inspector"],
             ["init", "--client", "zed", "--url", "htp://h:1/mcp"]],
)  # fmt: skip
def test_init_checks_the_client_form_before_it_makes_anything(argv: list[str], tmp_path: Path) -> None:
    done = worktrail(*argv, "--db", str(tmp_path / "l.db"))
    assert done.returncode in (1, 2) and done.stdout == "" and len(done.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == [], "no ledger, no owner, no key"


def test_client_new_key_makes_no_key_for_a_form_the_client_cannot_take(initialised: tuple[Path, str]) -> None:
    db, _ = initialised
    done = worktrail("client", "claude-desktop", "--url", "http://h:1/mcp", "--new-key", "--db", str(db))
    assert done.returncode == 1 and done.stdout == "" and "OAuth" in done.stderr
    assert len(worktrail("key", "list", "--db", str(db), "--json").stdout.splitlines()) == 1


@pytest.mark.parametrize("client", ["claude-desktop"])
def test_a_client_that_cannot_send_a_key_by_url_is_told_to_use_stdio(client: str) -> None:
    done = worktrail("client", client, "--url", "http://h:1/mcp", "--key", "wtk_x")
    assert done.returncode == 1 and "OAuth" in done.stderr and f"worktrail client {client}" in done.stderr


def test_client_new_key_makes_a_working_key_for_an_existing_ledger(initialised: tuple[Path, str]) -> None:
    db, _ = initialised
    done = worktrail("client", "generic", "--db", str(db), "--new-key")
    key = json.loads(done.stdout[done.stdout.index("{") :])["mcpServers"]["worktrail"]["env"]["WORKTRAIL_API_KEY"]
    who = worktrail("call", "ts.auth.whoami", "--db", str(db), env={"WORKTRAIL_API_KEY": key})
    assert done.returncode == 0 and json.loads(who.stdout)["role"] == "owner"


def postgresql_commands() -> list[list[str]]:
    section = README.read_text().split("### Across hosts: the ledger on PostgreSQL", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)[:2]
    return [shlex.split(line, comments=True) for line in "\n".join(blocks).splitlines() if line.strip()]


@pytest.mark.store
@pytest.mark.skipif(not POSTGRESQL, reason="needs a PostgreSQL server: set WORKTRAIL_TEST_POSTGRESQL")
async def test_the_postgresql_commands_work_as_written(tmp_path: Path) -> None:
    """Two servers ("on each host") on one database, each answering the owner; then a SQLite ledger
    moved into another database."""
    createdb, export, init, serve, migrate = postgresql_commands()
    assert createdb[0] == "createdb" and export[0] == "export" and migrate[:2] == ["worktrail", "migrate"]
    async with postgresql_ledger() as url, postgresql_ledger() as moved_to:
        readme_url = export[1].split("=", 1)[1]
        env = {"WORKTRAIL_DB": url}
        assert init[:2] == ["worktrail", "init"] and "--db" not in init, "init reads WORKTRAIL_DB"
        owner_key = json.loads(worktrail(*init[1:], env=env).stdout)["api_key"]
        servers, urls = [], []
        for _ in range(2):
            port = free_port()
            words = [w.replace("8765", str(port)).replace("ledger.example.com", "localhost") for w in serve[1:]]
            servers.append(subprocess.Popen([sys.executable, "-m", "worktrail", *words], env={**os.environ, **env},
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))  # fmt: skip
            urls.append(f"http://localhost:{port}/mcp")
        try:
            for mcp_url in urls:
                for _ in range(100):  # until it listens
                    try:
                        httpx2.get(mcp_url.replace("/mcp", "/healthz"), timeout=1)
                        break
                    except httpx2.HTTPError:
                        time.sleep(0.1)
                async with http_client(mcp_url, owner_key) as client:
                    made = await client.call_tool("ts_tsk_create", {"title": f"via {mcp_url}"})
                    assert not made.is_error, made.structured_content
            async with http_client(urls[0], owner_key) as client:
                listed = (await client.call_tool("ts_tsk_list", {})).structured_content
            assert listed["total"] == 2, "both servers wrote the one ledger"
        finally:
            for server in servers:
                stop(server)
        source = tmp_path / "srv" / "ledger.db"
        source.parent.mkdir()
        assert worktrail("init", "--db", str(source), "--json").returncode == 0
        words = [w.replace("/srv/worktrail/ledger.db", str(source)).replace(readme_url, moved_to) for w in migrate[1:]]
        done = worktrail(*words)
        assert done.returncode == 0 and "every table has the same count and checksum" in done.stdout, done.stderr


@pytest.mark.parametrize("url", ["htp://h:1/mcp", "127.0.0.1:8765/mcp", "http:///mcp", "http://h:1/api",
                                 "http://h:1/mcp?x=1", "http://user:pw@h:1/mcp"])  # fmt: skip
def test_a_url_without_scheme_host_or_mcp_path_is_refused_naming_url(url: str) -> None:
    done = worktrail("client", "cursor", "--url", url, "--key", "wtk_x")
    assert done.returncode == 2 and done.stdout == "" and done.stderr.startswith("worktrail client: --url: takes ")
    assert len(done.stderr.strip().splitlines()) == 1
