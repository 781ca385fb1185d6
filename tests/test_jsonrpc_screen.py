"""Requests a JSON parser would misread, refused alike over stdio and HTTP: an `id` that is none
(-32600, not a silent 202 or no answer) and a key sent twice in one object (refused, naming the
key, instead of running the last one)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx2
import pytest

from tests.conftest import run_worktrail as worktrail
from tests.servers import start_http, stop
from tests.test_http import HEADERS
from tests.test_stdio import piped

# The second "name" would run: the whoami a viewer may call becomes a key made by an owner.
TWICE = ('{"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": '
         '{"name": "ts.auth.whoami", "name": "ts.key.create", "arguments": {"name": "smuggled"}}}')  # fmt: skip
TWICE_DEEP = ('{"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": '
              '{"name": "ts.key.create", "arguments": {"name": "a", "name": "smuggled"}}}')  # fmt: skip
TWICE_ID = '{"jsonrpc": "2.0", "id": 5, "id": 6, "method": "tools/list"}'
BAD_IDS = ['{"an": "object"}', "true", "null", "[1]", "1.5"]
# A batch (which MCP no longer has): one refusal naming it, not the parser's dump of every shape it tried.
BATCH = '[{"jsonrpc": "2.0", "id": 7, "method": "tools/list"}]'



def keys(db: Path) -> int:
    return len(worktrail("key", "list", "--db", str(db), "--json").stdout.splitlines())


def expect_refusals(answers: dict[str, dict], where: str) -> None:
    assert answers["twice"]["id"] == 3 and answers["twice"]["error"]["code"] == -32600, where
    assert '"name"' in answers["twice"]["error"]["message"], where
    assert answers["twice deep"]["id"] == 4 and '"name"' in answers["twice deep"]["error"]["message"], where
    assert answers["twice id"]["id"] is None and '"id"' in answers["twice id"]["error"]["message"], where
    for bad in BAD_IDS:
        assert answers[bad]["error"]["code"] == -32600 and "id" in answers[bad]["error"]["message"], (where, bad)
        assert answers[bad]["id"] is None, (where, bad)
    batch = answers["batch"]["error"]
    assert batch["code"] == -32600 and "batch" in batch["message"] and "validation" not in batch["message"], where


@pytest.mark.parametrize("era", ["2025-11-25", "2026-07-28"])
def test_over_http_a_bad_id_and_a_key_sent_twice_are_refused(initialised: tuple[Path, str], era: str) -> None:
    db, key = initialised
    before = keys(db)
    process, url = start_http(db)
    bodies = {"twice": TWICE, "twice deep": TWICE_DEEP, "twice id": TWICE_ID, "batch": BATCH}
    bodies |= {bad: f'{{"jsonrpc": "2.0", "id": {bad}, "method": "tools/list"}}' for bad in BAD_IDS}
    answers = {}
    try:
        for what, body in bodies.items():
            sent = {**HEADERS, "MCP-Protocol-Version": era, "Authorization": f"Bearer {key}"}
            answer = httpx2.post(url, content=body, headers=sent, timeout=30)
            assert answer.status_code == 400, (what, answer.status_code, answer.text)
            answers[what] = answer.json()
    finally:
        stop(process)
    expect_refusals(answers, f"http {era}")
    assert keys(db) == before, "nothing ran"


@pytest.mark.parametrize("stdin_is", ["a pipe", "a file"])  # the loop's own pipes; a worker thread's reads
def test_over_stdio_a_bad_id_and_a_key_sent_twice_are_refused(
    initialised: tuple[Path, str], tmp_path: Path, stdin_is: str
) -> None:
    db, key = initialised
    before = keys(db)
    hello = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}
    lines = {"hello": json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": hello}),
             "ready": json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
             "twice": TWICE, "twice deep": TWICE_DEEP, "twice id": TWICE_ID, "batch": BATCH}  # fmt: skip
    lines |= {bad: f'{{"jsonrpc": "2.0", "id": {bad}, "method": "ping"}}' for bad in BAD_IDS}
    if stdin_is == "a pipe":
        done = piped(db, key, list(lines.values()))
    else:
        requests = tmp_path / "requests.jsonl"
        requests.write_text("\n".join(lines.values()) + "\n")
        with requests.open() as file:
            done = subprocess.run([sys.executable, "-m", "worktrail", "serve", "--db", str(db)], stdin=file,
                                  env={**os.environ, "WORKTRAIL_API_KEY": key}, capture_output=True, text=True,
                                  timeout=60)  # fmt: skip
    messages = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 0 and len(messages) == len(lines) - 1, done.stdout
    expect_refusals(dict(zip([k for k in lines if k != "ready"][1:], messages[1:], strict=True)), "stdio")
    assert keys(db) == before, "nothing ran"
