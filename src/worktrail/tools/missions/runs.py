"""ts.mrn.*: mission runs. `ts.mrn.update` is seed 003 to the letter; pause, resume and cancel
are the seed system's action endpoints, as those transitions."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from worktrail.domain.errors import ToolError, invalid_field
from worktrail.domain.lifecycles import MISSION_RUN
from worktrail.tools.context import Call
from worktrail.tools.declaration import Tool, tool
from worktrail.tools.missions.shapes import (
    Event,
    Meta,
    MissionRun,
    RunAnswer,
    RunPage,
    RunStatus,
    RunWithContext,
    plan_of,
)
from worktrail.tools.params import Id, ListParams, Metadata, Params, Reason, Text, one_or_many

MISSION = "missions"
Include = Literal["plan", "recent_events"]
Statuses = Annotated[list[RunStatus], Field(min_length=1), BeforeValidator(one_or_many)]
UPDATABLE = ("status", "result_summary", "result_payload", "error", "metadata")

UPDATE_DESCRIPTION = f"""Only sent fields change; metadata replaces.

Moves: {"; ".join(f"{s} -> {' | '.join(t)}" for s, t in MISSION_RUN.moves.items() if t)}; \
succeeded, failed and cancelled are final (a refused move is invalid_transition with the allowed ones). \
finished_at is stamped on a final move. error (a string) only with the move to failed. A final run's \
status, result and error are frozen; its metadata may still change."""


class RunRef(Params):
    mission_id: Id = Field(description="Mission ID.")
    run_id: Id = Field(description="Run ID.")


class RunCreate(Params):
    mission_id: Id = Field(description="Mission ID.")
    input: Metadata = Field(None, description="The run's input, a JSON object.")
    metadata: Metadata = Field(None, description="Free-form JSON object, up to 64 KiB.")
    start: bool = Field(True, description="true (default): running now; false: pending until moved to running.")


class RunGet(RunRef):
    include: list[Include] = Field(
        None,
        description='Also "plan" (steps with their status) and "recent_events" (the last 20): where the run stands.',
    )


class RunList(ListParams):
    mission_id: Id = Field(None, description="Only runs of this mission (default: every mission's).")
    status: Statuses = Field(None, description='Only runs in any of these statuses, e.g. ["running", "paused"].')


class RunUpdate(RunRef):
    status: RunStatus = Field(None, description="New status.")
    result_summary: Text = Field(None, description="What the run achieved, for a person.")
    result_payload: Metadata = Field(None, description="The run's result, a JSON object.")
    error: Annotated[str, Field(min_length=1, max_length=10_000)] = Field(
        None, description="What went wrong (only with status failed)."
    )
    metadata: Metadata = Field(None, description="Metadata to set (replaces existing).")

    def refine(self) -> None:
        if not self.sent("mission_id", "run_id"):
            raise ToolError(
                "invalid_input",
                "No fields to update: send at least one of " + ", ".join(UPDATABLE) + ".",
                [{"loc": [], "msg": "no fields to update", "type": "missing", "fields": list(UPDATABLE)}],
            )
        if "error" in self.model_fields_set and self.status != "failed":
            raise invalid_field("error", "is accepted only in the update that moves the run to failed",
                                'Send it with "status": "failed", or leave it out.')  # fmt: skip


class RunAction(RunRef):
    reason: Reason = Field(None, description="Why, kept in the run's status_change event.")


def _answer(row: dict) -> RunAnswer:
    return RunAnswer(data=MissionRun.of(row))


@tool("ts.mrn.create", params=RunCreate, result=RunAnswer, toolset=MISSION, min_role="member",
      summary="Start a run of a mission (running, or pending with start: false).")  # fmt: skip
async def create_run(call: Call, p: RunCreate) -> RunAnswer:
    values = p.sent("mission_id", "start")
    return _answer(await call.store.mission_runs.create(call.origin(), p.mission_id, values, p.start))


@tool("ts.mrn.get", params=RunGet, result=RunWithContext, toolset=MISSION,
      summary="Get a run; with include, its plan and last events too: where it stands, to resume it.")  # fmt: skip
async def get_run(call: Call, p: RunGet) -> RunWithContext:
    found = await call.store.mission_runs.get(p.mission_id, p.run_id, p.include or ())
    return RunWithContext(
        data=MissionRun.of(found),
        plan=plan_of(found["plan"]) if "plan" in found else None,
        recent_events=[Event.of(e) for e in found["recent_events"]] if "recent_events" in found else None,
    )


@tool("ts.mrn.list", params=RunList, result=RunPage, toolset=MISSION,
      summary="List runs, newest first, of one mission or of all.")  # fmt: skip
async def list_runs(call: Call, p: RunList) -> RunPage:
    rows, total = await call.store.mission_runs.list(p.mission_id, p.status, p.limit, p.offset)
    return RunPage(data=[MissionRun.of(r) for r in rows], meta=Meta(total=total, limit=p.limit, offset=p.offset))


@tool("ts.mrn.update", params=RunUpdate, result=RunAnswer, toolset=MISSION, min_role="member",
      summary="Update run status and/or result.", description=UPDATE_DESCRIPTION)  # fmt: skip
async def update_run(call: Call, p: RunUpdate) -> RunAnswer:
    changes = p.sent("mission_id", "run_id")
    return _answer(await call.store.mission_runs.update(call.origin(), p.mission_id, p.run_id, changes))


def _action(name: str, status: str, only_from: tuple[str, ...], summary: str) -> Tool:
    """An action endpoint: one move, from the states the seed system names for it."""

    async def act(call: Call, p: RunAction) -> RunAnswer:
        changes = {"status": status}
        moved = await call.store.mission_runs.update(
            call.origin(), p.mission_id, p.run_id, changes, p.reason, only_from=only_from
        )
        return _answer(moved)

    return tool(name, params=RunAction, result=RunAnswer, toolset=MISSION, min_role="member", summary=summary)(act)


pause_run = _action("ts.mrn.pause", "paused", ("running",), "Pause a running run.")
resume_run = _action("ts.mrn.resume", "running", ("paused",), "Resume a paused run where it stopped.")
cancel_run = _action(
    "ts.mrn.cancel", "cancelled", ("pending", "running", "paused"), "Cancel a pending, running or paused run (final)."
)

TOOLS = (create_run, get_run, list_runs, update_run, pause_run, resume_run, cancel_run)
