"""What the server says reads right: no description repeats its summary, refusals say what is
frozen, the instructions name every family served, a finished run's secrets say they were
erased, and one rule holds for error_info whichever tool ends an execution."""

from __future__ import annotations

import pytest

from tests.conftest import Agent
from tests.test_workflow_runs import workflow
from worktrail.tools.catalog import ALL_TOOLS, select
from worktrail.transport.server import Publication

pytestmark = pytest.mark.anyio


def _first_sentence(text: str) -> str:
    return text.split("\n")[0].split(". ")[0].rstrip(".")


def test_no_description_repeats_its_summary() -> None:
    repeated = [t.name for t in ALL_TOOLS if t.description and _first_sentence(t.summary) in t.description]
    assert repeated == []


@pytest.mark.parametrize(
    ("toolsets", "named", "unnamed"),
    [(None, ["missions", "workflows", "executions", "ts.mrn.update", "ts.wrn.update", "ts.exe.update"], []),
     (["core"], ["tasks", "ts.tsk.update"], ["missions", "workflows", "executions"])],
)  # fmt: skip
def test_the_instructions_name_each_family_served_and_no_other(
    toolsets: list[str] | None, named: list[str], unnamed: list[str]
) -> None:
    said = Publication(select(toolsets), "auto").instructions("mcp")
    assert all(word in said for word in named) and not any(word in said for word in unnamed)


async def test_a_plan_of_a_finished_run_says_what_is_frozen(owner: Agent) -> None:
    mission = (await owner.ok("ts.msn.create", {"name": "m"}))["data"]["mission_id"]
    run = (await owner.ok("ts.mrn.create", {"mission_id": mission}))["data"]["run_id"]
    await owner.ok("ts.mrn.cancel", {"mission_id": mission, "run_id": run})
    refused = await owner.err(
        "ts.pln.create",
        {"mission_id": mission, "run_id": run, "steps": [{"step_id": "a", "sequence": 1, "description": "A"}]},
    )
    assert refused["code"] == "invalid_transition"
    assert refused["message"].endswith("(cancelled); it takes no plan any more: a finished run's plan is frozen.")


async def test_the_secrets_of_a_finished_run_say_they_were_erased_and_when(owner: Agent) -> None:
    w = await workflow(owner, input_schema=None, output_schema=None)
    run = await owner.ok("ts.wrn.create", {"workflow_id": w, "sensitive_input_values": {"password": "s3cret"}})
    live = await owner.ok("ts.wrn.secrets", {"id": run["id"]})
    assert live["sensitive_input_values"] == {"password": "s3cret"} and "erased_at" not in live
    ended = await owner.ok("ts.wrn.update", {"id": run["id"], "status": "cancelled"})
    gone = await owner.ok("ts.wrn.secrets", {"id": run["id"]})
    assert gone["sensitive_input_values"] == {} and gone["erased_at"] == ended["ended_at"]
    assert "erased" in gone["note"] and ended["ended_at"] in gone["note"]


async def test_a_cancelled_execution_keeps_its_reason_in_the_trail_not_in_error_info(owner: Agent) -> None:
    made = await owner.ok("ts.exe.create", {"config_id": "c"})
    await owner.ok("ts.exe.cancel", {"execution_id": made["execution_id"], "reason": "not needed"})
    stored = await owner.ok("ts.exe.get", {"execution_id": made["execution_id"]})
    assert stored["status"] == "cancelled" and stored.get("error_info") in (None, {})
    trail = await owner.ok("ts.aud.list", {"entity_id": made["execution_id"]})
    assert trail["records"][-1]["changes"]["reason"] == [None, "not needed"]
    refused = await owner.err("ts.exe.update", {"execution_id": made["execution_id"], "status": "cancelled",
                                                 "error_info": {"reason": "x"}})  # fmt: skip
    assert refused["code"] == "invalid_input" and refused["details"][0]["loc"] == ["error_info"]
