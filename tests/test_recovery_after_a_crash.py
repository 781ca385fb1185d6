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
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters

from tests.conftest import PinnedClock, column, scalar
from tests.servers import free_port, stop
from tests.test_executions import agent_at
from worktrail.domain.clock import SystemClock, format_ts
from worktrail.store.store import Store

pytestmark = [pytest.mark.anyio, pytest.mark.processes]

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


async def test_runs_of_a_killed_server_are_swept_by_the_next_one(ledger: str, owner_key: str) -> None:
    dead = Raw(ledger, owner_key)
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

    params = StdioServerParameters(command=sys.executable, args=["-m", "worktrail", "serve", "--db", str(ledger),
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


async def test_four_processes_sweeping_at_once_move_each_stale_run_once(
    store: Store, ledger: str, owner_key: str
) -> None:
    an_hour_ago = PinnedClock(format_ts(SystemClock().now() - timedelta(hours=1)))
    async with agent_at(store, owner_key, an_hour_ago, instance="ins_gone") as agent:  # a process long gone
        made = [(await agent.ok("ts.exe.create", {"config_id": f"c{i}"}))["execution_id"] for i in range(20)]
        ritual = (await agent.ok("ts.rtl.create", {"name": "r", "prompt": "p"}))["id"]
        made += [(await agent.ok("ts.rtr.create", {"ritual_id": ritual}))["id"] for _ in range(5)]
    command = [sys.executable, "-m", "worktrail", "serve", "--http", "--db", ledger, *QUICK]
    sweepers = [
        subprocess.Popen(
            [*command, "--port", str(free_port())], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]  # each sweeps as it starts, all at once
    try:
        deadline = time.monotonic() + 60
        while await scalar(store, "SELECT COUNT(*) FROM change_record WHERE action = 'sweep'") < len(made):
            assert time.monotonic() < deadline, "the sweeps did not move every stale run"
            await anyio.sleep(0.2)
        await anyio.sleep(1.5)  # another round of sweeps in every process: none moves a run again
    finally:
        for sweeper in sweepers:
            stop(sweeper)
    moved = await column(store, "SELECT entity_id FROM change_record WHERE action = 'sweep'")
    assert sorted(moved) == sorted(made), "each stale run moved once, by one of the four"
    assert await scalar(store, "SELECT COUNT(*) FROM execution WHERE status = 'interrupted'") == 20
