"""MCP Inspector's CLI, the TypeScript SDK client people test servers with, against a real
`worktrail serve`: the tool list passes 2.x's `--strict` portability check, a call that succeeds
and a call that fails both come back as results (not protocol faults) in 0.15 and 2.12.

Inspector 0.15 runs on the TypeScript SDK 1.x, which validates structuredContent against the
output schema even on isError results; 2.12 runs on the SDK 2.x. Skipped only where Node.js is
absent; the Inspectors are installed with npm into .cache/inspector (`.ci/run` does it first).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.npm_cache import installed

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("WORKTRAIL_INSPECTOR_DIR", ROOT / ".cache" / "inspector"))
VERSIONS = ("0.15.0", "2.12.0")

pytestmark = [
    pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed"),
    pytest.mark.processes,
]


def inspector(version: str) -> Path:
    """The Inspector's command, installed with npm into the cache the first time it is needed."""
    return installed(CACHE / version, "@modelcontextprotocol/inspector", version, ".bin/mcp-inspector")


def run(version: str, db: Path | str, api_key: str, *method: str) -> subprocess.CompletedProcess[str]:
    serve = [sys.executable, "-m", "worktrail", "serve", "--db", str(db)]
    command = [str(inspector(version)), "--cli", "-e", f"WORKTRAIL_API_KEY={api_key}", *serve, *method]
    where = db.parent if isinstance(db, Path) else tempfile.gettempdir()
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=where)


def printed(done: subprocess.CompletedProcess[str]) -> dict[str, object]:
    """The JSON the Inspector printed first on stdout (2.12 adds a line of its own after a failure)."""
    value, _ = json.JSONDecoder().raw_decode(done.stdout.lstrip())
    return value  # type: ignore[no-any-return]


def test_the_tool_list_passes_inspector_strict_with_no_finding(initialised: tuple[Path, str]) -> None:
    db, api_key = initialised
    done = run("2.12.0", db, api_key, "--method", "tools/list", "--strict")
    findings = [line for line in done.stderr.splitlines() if line.startswith(("Warning:", "Error:"))]
    assert done.returncode == 0 and findings == [], done.stderr
    names = {tool["name"] for tool in printed(done)["tools"]}  # type: ignore[index]
    assert "ts.tsk.update" in names  # the Inspector's CLI is one of the clients given dotted names


@pytest.mark.parametrize("version", VERSIONS)
def test_a_call_that_succeeds_and_one_that_fails_are_both_results(initialised: tuple[Path, str], version: str) -> None:
    db, api_key = initialised
    created = run(version, db, api_key, "--method", "tools/call", "--tool-name", "ts.tsk.create",
                  "--tool-arg", "title=From the Inspector")  # fmt: skip
    assert created.returncode == 0, created.stderr
    result = printed(created)
    assert result["isError"] is False and result["structuredContent"]["status"] == "planned"  # type: ignore[index]

    refused = run(version, db, api_key, "--method", "tools/call", "--tool-name", "ts.tsk.update",
                  "--tool-arg", "id=tsk_000000000000000000000000", "status=done")  # fmt: skip
    result = printed(refused)
    assert result["isError"] is True, refused.stdout
    assert result["structuredContent"]["error"]["code"] == "not_found"  # type: ignore[index]
    # 0.15 exits 0 for any result; 2.12 exits 5 for an isError result. Neither saw a protocol fault.
    assert refused.returncode == (0 if version.startswith("0.") else 5), refused.stderr
    assert "Failed to call tool" not in refused.stderr and "Invalid structured content" not in refused.stderr


def test_a_status_list_argument_reaches_the_tool(initialised: tuple[Path, str]) -> None:
    db, api_key = initialised
    listed = run("0.15.0", db, api_key, "--method", "tools/call", "--tool-name", "ts.tsk.list",
                 "--tool-arg", 'status=["planned","active"]')  # fmt: skip
    assert listed.returncode == 0 and printed(listed)["isError"] is False, listed.stdout + listed.stderr


def test_the_inspector_lists_and_calls_over_http_with_a_bearer_key(initialised: tuple[Path, str]) -> None:
    from tests.servers import start_http, stop

    db, api_key = initialised
    process, url = start_http(db)
    try:
        base = [
            str(inspector("2.12.0")),
            "--cli",
            url,
            "--transport",
            "http",
            "--header",
            f"Authorization: Bearer {api_key}",
        ]
        listed = subprocess.run([*base, "--method", "tools/list"], capture_output=True, text=True, timeout=120)
        names = {tool["name"] for tool in printed(listed)["tools"]}  # type: ignore[index]
        assert listed.returncode == 0 and "ts_tsk_create" in names and "ts_auth_login" not in names
        created = subprocess.run([*base, "--method", "tools/call", "--tool-name", "ts_tsk_create",
                                  "--tool-arg", "title=Over HTTP"], capture_output=True, text=True, timeout=120)  # fmt: skip
        result = printed(created)
        assert created.returncode == 0 and result["structuredContent"]["title"] == "Over HTTP"  # type: ignore[index]
        assert api_key not in listed.stderr + created.stderr
    finally:
        stop(process)
