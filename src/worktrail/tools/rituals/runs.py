"""ts.rtr.*: ritual runs. `ts.rtr.update` is seed 000 to the letter."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from worktrail.domain import ritual_runs
from worktrail.domain.errors import invalid_field
from worktrail.domain.lifecycles import RITUAL_RUN
from worktrail.tools.context import Call
from worktrail.tools.declaration import Versioned, tool
from worktrail.tools.params import Id, IdParams, ListParams, Metadata, Params, Text, UpdateParams
from worktrail.tools.results import Result, UpdateAck, ordered_fields

RunStatus = Literal[RITUAL_RUN.states]  # type: ignore[valid-type]  # the schema enum comes from the lifecycle
# What an update may ask for: the seed's three, the lifecycle's final states (a run starts running).
Outcome = Literal[tuple(sorted(RITUAL_RUN.terminal, key=RITUAL_RUN.states.index))]  # type: ignore[valid-type]
Trigger = Literal[ritual_runs.TRIGGERS]  # type: ignore[valid-type]
Effects = Annotated[dict[str, Any], AfterValidator(ritual_runs.check_effects)]

ERROR_HINT = 'Send it with the move to failed: {"status": "failed", "error": {"code": "timeout", "message": "..."}}.'

UPDATE_DESCRIPTION = """Updates a ritual run to record its outcome. This is how you complete a run.

Status transitions:
- running -> succeeded (work completed successfully)
- running -> failed (work encountered an error)
- running -> skipped (run was skipped, e.g., nothing to do)

When transitioning to a terminal status, finished_at is set automatically.

The effects field records what the run produced (tasks created, updated, etc.). The error field \
captures failure details when status=failed, and is accepted only in the call that moves the run to failed.

A finished run keeps its outcome: status, result_summary, effects and error can no longer change; \
only metadata may still be updated.

Errors: not_found; invalid_input (also for a refused move or a finished run's outcome: details give the \
current status and the allowed ones)."""


class RunError(Params):
    code: str = Field(min_length=1, max_length=128, description='A short code to branch on, e.g. "timeout".')
    message: str = Field(min_length=1, max_length=10_000, description="What went wrong, for a person.")
    details: dict[str, Any] = Field(None, description="Anything else worth keeping about the failure.")


class RunCreate(Params):
    ritual_id: Id = Field(description="Ritual to run (it must be active and enabled).")
    trigger: Trigger = Field(None, description="What started the run: manual (default), schedule or api.")
    metadata: Metadata = Field(None, description="Free-form JSON object, up to 64 KiB.")


class RunList(ListParams):
    ritual_id: Id = Field(None, description="Only runs of this ritual.")
    status: RunStatus = Field(None, description="Only runs in this status.")


class RunUpdate(UpdateParams):
    id: Id = Field(description="Ritual run ID")
    status: Outcome = Field(None, description="New status: succeeded, failed, skipped")
    result_summary: Text = Field(None, description="Free-form summary of what happened")
    effects: Effects = Field(
        None, description='Effects of the run: {"tasks_created":[], "tasks_updated":[], ...} (up to 256 KiB)'
    )
    error: RunError = Field(None, description='Error details if failed: {"code":"...", "message":"..."}')
    metadata: Metadata = Field(None, description="Metadata to set (replaces existing)")

    def refine(self) -> None:
        super().refine()
        if "error" in self.model_fields_set and self.status != "failed":
            raise invalid_field("error", "is accepted only in the call that moves the run to failed", ERROR_HINT)


class Run(Result):
    id: str
    version: int  # 1 at creation, +1 on every change: send it back as expected_version
    ritual_id: str
    status: RunStatus
    trigger: Trigger
    run_by: str | None = None
    result_summary: str | None = None
    effects: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    metadata: dict[str, Any]
    started_at: str
    finished_at: str | None = None
    created_at: str
    updated_at: str


class RunPage(Result):
    runs: list[Run]
    total: int
    limit: int
    offset: int


@tool(
    "ts.rtr.create",
    params=RunCreate,
    result=Run,
    toolset="core",
    min_role="member",
    summary="Start a run of a ritual (status running, started_at now, run_by you).",
)
async def create_run(call: Call, p: RunCreate) -> Run:
    return Run(**await call.store.runs.create(call.origin(), p.sent()))


@tool("ts.rtr.get", params=IdParams, result=Run, toolset="core", summary="Get a ritual run by ID.")
async def get_run(call: Call, p: IdParams) -> Run:
    return Run(**await call.store.runs.get(p.id))


@tool("ts.rtr.list", params=RunList, result=RunPage, toolset="core", summary="List ritual runs, newest first.")
async def list_runs(call: Call, p: RunList) -> RunPage:
    rows, total = await call.store.runs.list(ritual_id=p.ritual_id, status=p.status, limit=p.limit, offset=p.offset)
    return RunPage(runs=[Run(**r) for r in rows], total=total, limit=p.limit, offset=p.offset)


@tool(
    "ts.rtr.update",
    params=RunUpdate,
    result=UpdateAck,
    toolset="core",
    min_role="member",
    versioned=Versioned("ritual_run"),
    summary="Update a ritual run (status, results, effects, error).",
    description=UPDATE_DESCRIPTION,
)
async def update_run(call: Call, p: RunUpdate) -> UpdateAck:
    changes = p.sent("id")
    await call.store.runs.update(call.origin(), p.id, changes)
    return UpdateAck(
        id=p.id, updated_at=call.now, updated_fields=ordered_fields(set(changes), ritual_runs.UPDATE_FIELDS)
    )


TOOLS = (create_run, get_run, list_runs, update_run)
