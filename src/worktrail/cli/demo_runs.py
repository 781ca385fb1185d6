"""The demo's runs beyond rituals: a mission run with its plan, a workflow run with checked
output, and an execution kept alive and settled, each shown as an agent calls it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

# What `demo.Walkthrough` is: prints the call and its answer, and returns the answer.
Say = Callable[..., Awaitable[Any]]


async def mission(say: Say) -> None:
    """A mission, a run of it, its plan as a tree, steps moved, and the run finished."""
    found = await say(
        "Define a mission: a multi-step objective that runs carry out.",
        "ts.msn.create",
        {"name": "Publish the docs site", "instructions": "Build, check the links, deploy."},
    )
    mission_id = found["data"]["mission_id"]  # seed 002's envelope
    run = await say("Start a run of it (running, started_at stamped).", "ts.mrn.create", {"mission_id": mission_id})
    where = {"mission_id": mission_id, "run_id": run["data"]["run_id"]}
    steps = [
        {"step_id": "build", "sequence": 1, "description": "Build the site"},
        {"step_id": "links", "sequence": 1, "description": "Check every link", "parent_step_id": "build"},
        {"step_id": "deploy", "sequence": 2, "description": "Deploy it"},
    ]
    await say("Lay out the run's plan: steps, one under another.", "ts.pln.create", {**where, "steps": steps})
    for step in ("build", "links", "deploy"):
        await say(f"Step {step}: started.", "ts.pln.update_step", {**where, "step_id": step, "status": "in_progress"})
        await say(f"Step {step}: done.", "ts.pln.update_step", {**where, "step_id": step, "status": "completed"})
    await say(
        "The run succeeds (finished_at stamped).",
        "ts.mrn.update",
        {**where, "status": "succeeded", "result_summary": "Built, 12 pages, every link good; deployed."},
    )


async def workflow(say: Say) -> None:
    """A workflow with an output schema, a run of it, and a refused and an accepted output."""
    schema = {"type": "object", "properties": {"pages": {"type": "integer"}}, "required": ["pages"]}
    found = await say(
        "Define a workflow: a prompt, and what its runs must answer (a JSON Schema).",
        "ts.wfl.create",
        {"name": "Count the docs pages", "main_prompt": "Count the pages of the docs site.", "output_schema": schema},
    )
    run = await say("Start a run of it (scheduling).", "ts.wrn.create", {"workflow_id": found["id"]})
    await say("The run starts (started_at stamped).", "ts.wrn.update", {"id": run["id"], "status": "running"})
    await say(
        "An output the schema refuses: the error names the field and the rule.",
        "ts.wrn.update",
        {"id": run["id"], "status": "success", "output_data": {"pages": "twelve"}},
    )
    await say(
        "The run succeeds with a checked output (ended_at stamped).",
        "ts.wrn.update",
        {"id": run["id"], "status": "success", "output_data": {"pages": 12}},
    )


async def execution(say: Say) -> None:
    """An execution of a configuration, kept alive with its progress, then completed."""
    run = await say(
        "Start an execution of a configuration (its config frozen as config_snapshot).",
        "ts.exe.create",
        {"config_id": "nightly-link-check", "config": {"pages": 12}},
    )
    execution_id = run["execution_id"]  # seed 004's shape
    await say(
        "A long execution says it is alive, and how far it got: the stale-run sweep leaves it alone.",
        "ts.exe.heartbeat",
        {"execution_id": execution_id, "progress": {"checked": 6, "of": 12}},
    )
    await say("It completes.", "ts.exe.update", {"execution_id": execution_id, "status": "completed"})
