"""The README's "Connect claude.ai, Claude Desktop and ChatGPT" works as written: its serve command
is run (a free port, a throwaway folder for /srv/worktrail) and answers the proxy's Host with
metadata naming the public address (so a client pointed at the loopback address is told to use
that one); its client commands print what the section says, and the proxies it shows forward to
the address serve listens on by default."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import httpx2
import pytest

from tests.conftest import run_worktrail
from tests.servers import start_http, stop

pytestmark = pytest.mark.processes
README = Path(__file__).resolve().parents[1] / "README.md"
TITLE = "## Connect claude.ai, Claude Desktop and ChatGPT"


def section() -> str:
    return README.read_text().split(f"\n{TITLE}\n", 1)[1].split("\n## ", 1)[0]


def commands() -> list[list[str]]:
    blocks = re.findall(r"```sh\n(.*?)```", section(), re.DOTALL)
    lines = "\n".join(blocks).replace("\\\n", " ").splitlines()
    return [shlex.split(line, comments=True) for line in lines if line.strip()]


def test_the_proxies_shown_forward_to_where_serve_listens_by_default() -> None:
    text = section()
    serve = commands()[0]
    assert serve[:3] == ["worktrail", "serve", "--http"] and "--host" not in serve and "--port" not in serve
    assert "reverse_proxy 127.0.0.1:8765" in text and "proxy_pass http://127.0.0.1:8765;" in text
    for needed in ("proxy_http_version 1.1;", "proxy_buffering off;", "proxy_set_header Host $host;",
                   "X-Forwarded-For", "X-Forwarded-Proto"):  # fmt: skip
        assert needed in text, needed


def test_the_connect_section_works_as_written(tmp_path: Path) -> None:
    serve, claude_ai, chatgpt, cursor = commands()
    assert serve[3] == "--db" and serve[4] == "/srv/worktrail/ledger.db"
    db = tmp_path / "ledger.db"
    assert run_worktrail("init", "--db", str(db), "--json").returncode == 0
    process, url = start_http(db, *serve[5:])
    try:
        public = "https://ledger.example.com"
        metadata = httpx2.get(url.replace("/mcp", "/.well-known/oauth-protected-resource/mcp"),
                              headers={"Host": "ledger.example.com"}, timeout=30)  # fmt: skip
        assert metadata.status_code == 200, "the proxy's Host is let through"
        assert metadata.json()["resource"] == f"{public}/mcp" and metadata.json()["authorization_servers"] == [public]
        by_loopback = run_worktrail(*[w.replace(f"{public}/mcp", url) for w in cursor[1:]], env={"WORKTRAIL_API_KEY": ""})
    finally:
        stop(process)
    assert by_loopback.returncode == 1 and f"give --url {public}/mcp" in by_loopback.stderr, by_loopback.stderr
    keyless = run_worktrail(*cursor[1:], "--sign-in")  # as written, where that address answers
    assert keyless.returncode == 0, keyless.stderr
    config = json.loads(keyless.stdout[keyless.stdout.index("{") : keyless.stdout.rindex("}") + 1])
    assert config == {"mcpServers": {"worktrail": {"url": f"{public}/mcp"}}}
    named = set(re.findall(r"`(https://(?:claude|chatgpt)\.\w+/[^`]*)`", section()))
    for words, service in ((claude_ai, "claude"), (chatgpt, "chatgpt")):
        assert words[:3] == ["worktrail", "client", f"{service}-ai" if service == "claude" else service]
        printed = run_worktrail(*words[1:])
        assert printed.returncode == 0 and f"{public}/mcp" in printed.stdout, printed.stderr
        callbacks = {c for c in named if c.startswith(f"https://{service}.")}
        assert callbacks and all(c in " ".join(printed.stdout.split()) for c in callbacks), callbacks
