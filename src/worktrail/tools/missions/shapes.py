"""What the missions toolset answers with, in the seed system's shapes: one object is
`{data: object}`, a list is `{data: [...], meta: {total, limit, offset}}`. A run is exactly the
seed's MissionRunData; fields that are unset are left out, never null."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from worktrail.domain.lifecycles import MISSION_RUN, PLAN_STEP
from worktrail.tools.results import FromRow, Result

RunStatus = Literal[MISSION_RUN.states]  # type: ignore[valid-type]
StepStatus = Literal[PLAN_STEP.states]  # type: ignore[valid-type]
ExecutionMode = Literal["external", "managed"]
EventType = Literal[
    "status_change", "step_started", "step_completed", "step_failed", "tool_call", "tool_result", "message",
    "error", "custom",
]  # fmt: skip


class Meta(Result):
    total: int
    limit: int
    offset: int


class Mission(FromRow):
    ROW_ID: ClassVar[str | None] = "mission_id"

    mission_id: str
    version: int
    name: str
    description: str | None = None
    instructions: str | None = None
    model: str | None = None
    execution_mode: ExecutionMode
    metadata: dict[str, Any]
    created_at: str
    updated_at: str


class MissionRun(FromRow):
    """Seed 003's MissionRunData, field for field."""

    ROW_ID: ClassVar[str | None] = "run_id"

    run_id: str
    mission_id: str
    status: RunStatus
    input: dict[str, Any] | None = None
    started_at: str
    finished_at: str | None = None
    result_summary: str | None = None
    result_payload: dict[str, Any] | None = None
    error: str | None = None
    metadata: dict[str, Any] | None = None
    updated_at: str


class Step(FromRow):
    step_id: str
    run_id: str
    version: int
    sequence: int
    description: str
    parent_step_id: str | None = None
    status: StepStatus
    metadata: dict[str, Any]
    started_at: str | None = None
    completed_at: str | None = None


class PlannedStep(Step):
    # The same shape again for each child (a recursive model would need $ref, which we never publish).
    children: list[dict[str, Any]]


class Plan(Result):
    run_id: str
    steps: list[PlannedStep]


def plan_of(found: dict[str, Any]) -> Plan:
    def shaped(step: dict[str, Any]) -> dict[str, Any]:
        return {**Step.of(step).model_dump(exclude_none=True), "children": [shaped(c) for c in step["children"]]}

    return Plan(run_id=found["run_id"], steps=[PlannedStep(**shaped(s)) for s in found["steps"]])


class Event(FromRow):
    ROW_ID: ClassVar[str | None] = "event_id"

    event_id: str
    mission_id: str
    run_id: str
    type: EventType
    summary: str
    payload: dict[str, Any]
    step_id: str | None = None
    agent_id: str | None = None
    timestamp: str


class MissionAnswer(Result):
    data: Mission


class MissionPage(Result):
    data: list[Mission]
    meta: Meta


class Deleted(Result):
    mission_id: str
    deleted: bool
    runs_deleted: int


class DeletedAnswer(Result):
    data: Deleted


class RunAnswer(Result):
    """Seed 003's MissionRunResponse."""

    data: MissionRun


class RunWithContext(RunAnswer):
    """A run, and what an agent needs to carry on where it stopped (as asked for with include)."""

    plan: Plan | None = None
    recent_events: list[Event] | None = None


class RunPage(Result):
    data: list[MissionRun]
    meta: Meta


class PlanAnswer(Result):
    data: Plan


class StepAnswer(Result):
    data: Step


class EventAnswer(Result):
    data: Event


class EventPage(Result):
    data: list[Event]
    meta: Meta
