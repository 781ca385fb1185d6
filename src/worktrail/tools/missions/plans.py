"""ts.pln.*: a run's plan, its steps nested under parents and ticked off one by one."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from worktrail.domain import fields
from worktrail.domain.errors import ToolError
from worktrail.domain.lifecycles import PLAN_STEP
from worktrail.tools.context import Call
from worktrail.tools.declaration import Versioned, tool
from worktrail.tools.missions.shapes import PlanAnswer, Step, StepAnswer, StepStatus, plan_of
from worktrail.tools.params import Id, Metadata, Params

MISSION = "missions"
StepId = Annotated[str, Field(min_length=1, max_length=128)]

STEP_DESCRIPTION = f"""Moves: {"; ".join(f"{s} -> {' | '.join(t)}" for s, t in PLAN_STEP.moves.items() if t)}; \
completed, failed and skipped are final. started_at on in_progress, completed_at on a final move; each move \
appends its event (step_started, step_completed, step_failed). A finished run's steps are frozen."""


class StepIn(Params):
    step_id: StepId = Field(description="Your id for the step, unique within the run.")
    sequence: int = Field(ge=0, le=fields.INTEGER_MAX, description="Order among its siblings.")
    description: Annotated[str, Field(min_length=1, max_length=5_000)] = Field(description="What the step does.")
    parent_step_id: StepId = Field(None, description="The step it belongs under.")
    metadata: Metadata = Field(None, description="Free-form JSON object.")


class PlanRef(Params):
    mission_id: Id = Field(description="Mission ID.")
    run_id: Id = Field(description="Run ID.")


class PlanSteps(PlanRef):
    steps: Annotated[list[StepIn], Field(min_length=1, max_length=500)] = Field(description="The steps, 1 to 500.")


class StepRef(PlanRef):
    step_id: StepId = Field(description="Step ID.")


class StepUpdate(StepRef):
    status: StepStatus = Field(None, description="New status.")
    metadata: Metadata = Field(None, description="Metadata to set (replaces existing).")

    def refine(self) -> None:
        if not self.sent("mission_id", "run_id", "step_id"):
            raise ToolError(
                "invalid_input",
                "No fields to update: send status and/or metadata.",
                [{"loc": [], "msg": "no fields to update", "type": "missing", "fields": ["status", "metadata"]}],
            )


def _steps(p: PlanSteps) -> list[dict]:
    return [s.sent() for s in p.steps]


@tool("ts.pln.create", params=PlanSteps, result=PlanAnswer, toolset=MISSION, min_role="member",
      summary="Lay out a run's plan (once per run; then ts.pln.add_steps).")  # fmt: skip
async def create_plan(call: Call, p: PlanSteps) -> PlanAnswer:
    return PlanAnswer(data=plan_of(await call.store.plans.create(call.origin(), p.mission_id, p.run_id, _steps(p))))


@tool("ts.pln.get", params=PlanRef, result=PlanAnswer, toolset=MISSION,
      summary="A run's plan: top-level steps in sequence order, each with its children.")  # fmt: skip
async def get_plan(call: Call, p: PlanRef) -> PlanAnswer:
    return PlanAnswer(data=plan_of(await call.store.plans.get(p.mission_id, p.run_id)))


@tool("ts.pln.add_steps", params=PlanSteps, result=PlanAnswer, toolset=MISSION, min_role="member",
      summary="Add steps to a run's plan.")  # fmt: skip
async def add_steps(call: Call, p: PlanSteps) -> PlanAnswer:
    plan = await call.store.plans.add_steps(call.origin(), p.mission_id, p.run_id, _steps(p))
    return PlanAnswer(data=plan_of(plan))


@tool("ts.pln.get_step", params=StepRef, result=StepAnswer, toolset=MISSION, summary="Get one step of a plan.")
async def get_step(call: Call, p: StepRef) -> StepAnswer:
    return StepAnswer(data=Step.of(await call.store.plans.get_step(p.mission_id, p.run_id, p.step_id)))


@tool("ts.pln.update_step", params=StepUpdate, result=StepAnswer, toolset=MISSION, min_role="member",
      versioned=Versioned("plan_step", (("run_id", "run_id"), ("step_id", "step_id"))),
      summary="Move a step (pending, in_progress, completed, failed, skipped) or replace its metadata.",
      description=STEP_DESCRIPTION)  # fmt: skip
async def update_step(call: Call, p: StepUpdate) -> StepAnswer:
    changes = p.sent("mission_id", "run_id", "step_id")
    step = await call.store.plans.update_step(call.origin(), p.mission_id, p.run_id, p.step_id, changes)
    return StepAnswer(data=Step.of(step))


TOOLS = (create_plan, get_plan, add_steps, get_step, update_step)
