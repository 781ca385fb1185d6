"""End to end: `worktrail serve` as a real subprocess, driven over stdio."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from tests.conftest import peek

pytestmark = [pytest.mark.anyio, pytest.mark.processes]


def serve_params(db: Path, api_key: str | None = None, *extra: str) -> StdioServerParameters:
    env = {"WORKTRAIL_API_KEY": api_key} if api_key else {}
    return StdioServerParameters(
        command=sys.executable, args=["-m", "worktrail", "serve", "--db", str(db), *extra], env=env
    )


@pytest.mark.parametrize("client_mode", ["auto", "legacy"])
async def test_not_authenticated_until_login_then_a_task_lifecycle(
    ledger: str, owner_key: str, client_mode: str
) -> None:
    async with Client(serve_params(ledger), mode=client_mode) as client:
        refused = await client.call_tool("ts.tsk.create", {"title": "t"})
        assert refused.is_error and refused.structured_content["error"]["code"] == "not_authenticated"
        assert not (await client.call_tool("ts.auth.login", {"api_key": owner_key})).is_error
        task = (await client.call_tool("ts.tsk.create", {"title": "t"})).structured_content
        started = await client.call_tool("ts.tsk.update", {"id": task["id"], "status": "active"})
        assert started.structured_content["updated_fields"] == ["status"]
        jumped = await client.call_tool("ts.tsk.update", {"id": task["id"], "status": "planned", "bogus": 1})
        assert jumped.structured_content["error"]["code"] == "invalid_input"


async def test_the_environment_key_logs_the_session_in(ledger: str, owner_key: str) -> None:
    async with Client(serve_params(ledger, owner_key)) as client:
        who = await client.call_tool("ts.auth.whoami", {})
        assert not who.is_error and who.structured_content["role"] == "owner"


def test_a_wrong_environment_key_stops_the_server_with_a_clear_message(initialised: tuple[Path, str]) -> None:
    ledger, _ = initialised
    env = {**os.environ, "WORKTRAIL_API_KEY": "wtk_wrong"}
    done = subprocess.run(
        [sys.executable, "-m", "worktrail", "serve", "--db", str(ledger)],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1 and done.stdout == ""
    assert "WORKTRAIL_API_KEY was refused" in done.stderr


def test_stdout_carries_only_protocol_messages_and_bad_lines_are_answered(initialised: tuple[Path, str]) -> None:
    ledger, owner_key = initialised
    requests = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "ts.tsk.create", "arguments": {"title": "t"}}},
        {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "ts.tsk.list", "arguments": {"limit": "x"}}},
        {"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "no.such.tool", "arguments": {}}},
        '{"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {',
        {"hello": "not json-rpc", "id": 6},
        {"jsonrpc": "2.0", "id": 7, "method": "ping"},
    ]  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "worktrail", "--log-level", "DEBUG", "serve", "--db", str(ledger)],
        env={**os.environ, "WORKTRAIL_API_KEY": owner_key},
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert server.stdin and server.stdout
    answers: dict[object, dict] = {}
    for n, request in enumerate(requests):
        server.stdin.write((request if isinstance(request, str) else json.dumps(request)) + "\n")
        server.stdin.flush()
        if isinstance(request, str) or "id" in request:
            message = json.loads(server.stdout.readline())  # every stdout line is one JSON-RPC message
            answers[message["id"] if message["id"] is not None else f"line {n}"] = message
    rest, stderr = server.communicate(timeout=60)
    assert server.returncode == 0 and rest == ""
    assert answers[2]["result"]["isError"] is False
    assert answers[3]["result"]["structuredContent"]["error"]["code"] == "invalid_input"
    assert answers[4]["error"]["code"] == -32602
    assert answers["line 5"]["error"]["code"] == -32700, "a broken line is answered, not dropped"
    assert answers[6]["error"]["code"] == -32600, "JSON that is no JSON-RPC request is answered with its own id"
    assert answers[7]["result"] == {}, "the connection keeps serving after a bad line"
    assert "DEBUG" in stderr  # logs went to stderr, and only there


@pytest.mark.parametrize("stdin_is", ["a pipe", "a file"])  # the loop's own pipes; the SDK's transport
def test_a_script_that_pipes_its_calls_and_closes_stdin_gets_every_answer(
    initialised: tuple[Path, str], tmp_path: Path, stdin_is: str
) -> None:
    ledger, owner_key = initialised
    hello = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "script", "version": "1"}}
    lines = [{"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": hello},
             {"jsonrpc": "2.0", "method": "notifications/initialized"}]  # fmt: skip
    lines += [
        {
            "jsonrpc": "2.0",
            "id": n,
            "method": "tools/call",
            "params": {"name": "ts.tsk.create", "arguments": {"title": f"t{n}"}},
        }
        for n in range(1, 31)
    ]
    text = "".join(json.dumps(line) + "\n" for line in lines)  # stdin ends right after the last call
    requests = tmp_path / "requests.jsonl"
    requests.write_text(text)
    with requests.open() as file:
        done = subprocess.run(
            [sys.executable, "-m", "worktrail", "serve", "--db", str(ledger)],
            **({"input": text} if stdin_is == "a pipe" else {"stdin": file}),
            env={**os.environ, "WORKTRAIL_API_KEY": owner_key}, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    answers = {m["id"]: m for m in map(json.loads, done.stdout.splitlines())}
    assert done.returncode == 0 and set(answers) == set(range(31))
    assert all(answers[n]["result"]["isError"] is False for n in range(1, 31)), done.stdout[-500:]
    assert peek(ledger, "SELECT COUNT(*) FROM task") == [(30,)]


def piped(db: Path, api_key: str, lines: list[str]) -> subprocess.CompletedProcess[str]:
    """A real `worktrail serve` given these lines on stdin, which then closes: its answers and exit."""
    return subprocess.run(
        [sys.executable, "-m", "worktrail", "serve", "--db", str(db)],
        input="\n".join(lines) + "\n",
        env={**os.environ, "WORKTRAIL_API_KEY": api_key}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_long_lines_are_read_whole_and_blank_lines_are_no_message(initialised: tuple[Path, str]) -> None:
    """A line of megabytes (an attachment) is one message, not a refusal of its first 64 KiB."""
    ledger, owner_key = initialised
    hello = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "script", "version": "1"}}
    long_title = "x" * 3_000_000
    lines = [
        json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": hello}),
        "",
        "   ",
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                    "params": {"name": "ts.tsk.create", "arguments": {"title": long_title}}}),
        json.dumps({"jsonrpc": "2.0", "id": 2, "method": "ping"}),
    ]  # fmt: skip
    done = piped(ledger, owner_key, lines)
    messages = [json.loads(line) for line in done.stdout.splitlines()]
    # By id: the ping may be answered before the call, which waits for the ledger to open (issue 30).
    assert done.returncode == 0 and sorted(m["id"] for m in messages) == [0, 1, 2], "no answer to a blank line"
    refused = {m["id"]: m for m in messages}[1]["result"]["structuredContent"]["error"]
    assert refused["code"] == "invalid_input" and refused["details"][0]["loc"] == ["title"]


def test_requests_the_parser_refuses_are_answered_with_their_own_id(initialised: tuple[Path, str]) -> None:
    """Valid JSON the SDK's parser will not take (deep nesting, a lone surrogate, params of the
    wrong shape) is answered with the request's id, so the client need not wait for its timeout."""
    ledger, owner_key = initialised
    hello = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}

    def call(n: int, arguments: str) -> str:
        return f'{{"jsonrpc": "2.0", "id": {n}, "method": "tools/call", "params": {{"name": "ts.tsk.list", "arguments": {arguments}}}}}'

    deep = "[" * 5000 + "]" * 5000
    lines = [
        json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": hello}),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        call(1, f'{{"search": {deep}}}'),
        call(2, '{"search": "\\ud800"}'.replace("\\\\", "\\")),
        '{"jsonrpc": "2.0", "id": "three", "method": "tools/call", "params": [1]}',
        '{"jsonrpc": "2.0", "id": 4, "method": "ping", "params": {"x": ' + "[" * 300 + "]" * 300 + "}}",
        '{"jsonrpc": "2.0", "id": {"an": "object"}, "method": "ping"}',
        '{"jsonrpc": "2.0", "id": 6, "method": "ping"}',
    ]
    done = piped(ledger, owner_key, lines)
    messages = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 0 and len(messages) == 7, done.stdout
    by_id = {json.dumps(m["id"]): m for m in messages}
    for n in (1, 2):  # a tool call whose arguments cannot be read: a tool error naming them
        refused = by_id[str(n)]["result"]["structuredContent"]["error"]
        assert by_id[str(n)]["result"]["isError"] and refused["code"] == "invalid_input"
        assert refused["details"][0]["loc"] == ["arguments"]
    assert "nests deeper" in by_id["1"]["result"]["structuredContent"]["error"]["message"]
    assert "Unicode" in by_id["2"]["result"]["structuredContent"]["error"]["message"]
    assert by_id['"three"']["error"]["code"] == -32600
    assert by_id["4"]["error"]["code"] == -32600
    assert by_id["null"]["error"]["code"] == -32600, "an id that is an object is answered (with null)"
    assert by_id["6"]["result"] == {}
