"""An agent that loses its context halfway through a mission, and a fresh one that carries on.

The first session defines a mission, starts a run, lays out a plan, does two of its steps (each
with its events) and then stops without a word, as a crashed agent does. The second session
knows only the run's id: one call, `ts.mrn.get` with `include: ["plan", "recent_events"]`, tells
it where the run stands, and it finishes the remaining steps and the run. Every write carries an
idempotency key, so a step retried after a lost answer is done once. Run it from a checkout where
worktrail is installed:

    python examples/resume_a_mission.py                  # a throwaway ledger in a temporary directory
    python examples/resume_a_mission.py --db my.db       # a ledger of your own (made with `worktrail init` if new)

The last line printed is a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters
from mcp.types import Implementation

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scripted_session import Agent, ledger_key  # noqa: E402 - the examples share their small helpers

STEPS = [
    {"step_id": "collect", "sequence": 1, "description": "Collect the merged pull requests since the last tag"},
    {"step_id": "group", "sequence": 2, "description": "Group them into features, fixes and chores"},
    {"step_id": "write", "sequence": 3, "description": "Write the release notes"},
    {"step_id": "publish", "sequence": 4, "description": "Publish the notes"},
]


@asynccontextmanager
async def session(db: Path, api_key: str, name: str) -> AsyncIterator[Agent]:
    server = StdioServerParameters(
        command=sys.executable,
        args=["-m", "worktrail", "serve", "--db", str(db), "--tool-names", "dotted"],
        env={**os.environ, "WORKTRAIL_API_KEY": api_key},
    )
    async with Client(server, client_info=Implementation(name=name, version="1.0")) as client:
        yield Agent(client)


async def do_step(call: Agent, run: dict[str, str], step_id: str, what: str) -> None:
    """Work one step the way a careful agent does: started, logged, completed, each once."""
    step = {**run, "step_id": step_id}
    await call("ts.pln.update_step", {**step, "status": "in_progress", "idempotency_key": f"{step_id}-start"})
    await call("ts.evt.log", {**run, "type": "tool_call", "summary": what, "step_id": step_id,
                              "idempotency_key": f"{step_id}-work"})  # fmt: skip
    await call("ts.pln.update_step", {**step, "status": "completed", "idempotency_key": f"{step_id}-done"})


async def first_agent(db: Path, api_key: str) -> dict[str, str]:
    async with session(db, api_key, "agent-before-the-crash") as call:
        mission = (await call("ts.msn.create", {"name": "Publish the release notes",
                                                "instructions": "Collect, group, write, publish."}))["data"]  # fmt: skip
        made = (await call("ts.mrn.create", {"mission_id": mission["mission_id"], "input": {"since": "v1.1.0"},
                                             "idempotency_key": "release-v1.2.0"}))["data"]  # fmt: skip
        run = {"mission_id": mission["mission_id"], "run_id": made["run_id"]}
        await call("ts.pln.create", {**run, "steps": STEPS, "idempotency_key": "release-v1.2.0-plan"})
        await do_step(call, run, "collect", "listed 14 merged pull requests")
        await do_step(call, run, "group", "grouped: 6 features, 5 fixes, 3 chores")
        print(f"The first agent did 2 of {len(STEPS)} steps of run {run['run_id']} and then lost its context.")
        return run


async def second_agent(db: Path, api_key: str, run: dict[str, str]) -> dict[str, Any]:
    async with session(db, api_key, "agent-after-the-crash") as call:
        state = await call("ts.mrn.get", {**run, "include": ["plan", "recent_events"]})
        todo = [s["step_id"] for s in state["plan"]["steps"] if s["status"] != "completed"]
        print(f"The second agent reads the run: {state['data']['status']}, still to do: {', '.join(todo)};")
        print(f"  the last event it sees: {state['recent_events'][-1]['summary']!r}.")
        for step_id in todo:
            await do_step(call, run, step_id, f"did {step_id}")
        finished = (await call("ts.mrn.update", {**run, "status": "succeeded",
                                                 "result_summary": "Release notes v1.2.0 published.",
                                                 "result_payload": {"version": "v1.2.0", "changes": 14},
                                                 "idempotency_key": "release-v1.2.0-done"}))["data"]  # fmt: skip
        log = (await call("ts.evt.list", {"run_id": run["run_id"], "limit": 100}))["data"]
        print(f"Run {finished['status']} at {finished['finished_at']}; its log has {len(log)} events.")
        return {"run_status": finished["status"], "resumed_steps": todo, "events": len(log),
                "steps_completed": sum(1 for e in log if e["type"] == "step_completed")}  # fmt: skip


async def main(db: Path) -> None:
    api_key = ledger_key(db)
    run = await first_agent(db, api_key)
    print(json.dumps(await second_agent(db, api_key, run)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="the ledger (default: a throwaway one)")
    args = parser.parse_args()
    if args.db:
        anyio.run(main, args.db)
    else:
        with tempfile.TemporaryDirectory(prefix="worktrail-resume-") as folder:
            anyio.run(main, Path(folder) / "ledger.db")
