"""A real `worktrail serve` killed with SIGKILL mid-work: the next one to start sweeps before it
serves, and finds every run of the dead process interrupted, failed or in error, as declared,
with its change record."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

pytestmark = pytest.mark.anyio

QUICK = ["--instance-ttl", "1s", "--execution-stale-after", "1s", "--stale-after", "1s"]


def _line(message: dict[str, Any]) -> str:
    return json.dumps(message) + "\n"


class Raw:
    """A `worktrail serve` driven by hand, so that it can be killed between two calls."""

    def __init__(self, db: Path, api_key: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "worktrail", "serve", "--db", str(db)],
            env={**os.environ, "WORKTRAIL_API_KEY": api_key},
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        self.n = 0
        self.send("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                 "clientInfo": {"name": "mcp", "version": "1"}})  # fmt: skip

    def send(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.n += 1
        self.process.stdin.write(_line({"jsonrpc": "2.0", "id": self.n, "method": method, "params": params}))
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())["result"]

    def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        result = self.send("tools/call", {"name": tool, "arguments": arguments})
        assert not result.get("isError"), result
        return result["structuredContent"]


async def test_runs_of_a_killed_server_are_swept_by_the_next_one(db_path: Path, owner_key: str) -> None:
    dead = Raw(db_path, owner_key)
    execution = dead.call("ts.exe.create", config_id="import")["execution_id"]
    ritual = dead.call("ts.rtl.create", name="r", prompt="p")["id"]
    ritual_run = dead.call("ts.rtr.create", ritual_id=ritual)["id"]
    mission = dead.call("ts.msn.create", name="m")["data"]["mission_id"]
    mission_run = dead.call("ts.mrn.create", mission_id=mission)["data"]["run_id"]
    pending = dead.call("ts.mrn.create", mission_id=mission, start=False)["data"]["run_id"]
    workflow = dead.call("ts.wfl.create", name="w", main_prompt="p")["id"]
    workflow_run = dead.call("ts.wrn.create", workflow_id=workflow)["id"]
    dead.call("ts.wrn.update", id=workflow_run, status="running")
    dead.process.send_signal(signal.SIGKILL)
    dead.process.wait(timeout=10)
    time.sleep(2.5)  # longer than every duration the next server is given

    params = StdioServerParameters(command=sys.executable, args=["-m", "worktrail", "serve", "--db", str(db_path),
                                                                 *QUICK], env={"WORKTRAIL_API_KEY": owner_key})  # fmt: skip
    async with Client(params) as client:

        async def get(tool: str, **arguments: Any) -> dict[str, Any]:
            result = await client.call_tool(tool, arguments)
            assert not result.is_error, result.structured_content
            return result.structured_content  # type: ignore[return-value]

        assert (await get("ts.exe.get", execution_id=execution))["status"] == "interrupted"
        ritual_answer = await get("ts.rtr.get", id=ritual_run)
        assert ritual_answer["status"] == "failed" and ritual_answer["error"]["code"] == "interrupted"
        assert (await get("ts.mrn.get", mission_id=mission, run_id=mission_run))["data"]["status"] == "failed"
        assert (await get("ts.mrn.get", mission_id=mission, run_id=pending))["data"]["status"] == "pending"
        assert (await get("ts.wrn.get", id=workflow_run))["status"] == "error"
        swept = await get("ts.aud.list", action="sweep")
        assert {r["entity_id"] for r in swept["records"]} == {execution, ritual_run, mission_run, workflow_run}
        settled = await get("ts.exe.update", execution_id=execution, status="completed")
        assert settled["previous_status"] == "interrupted"
