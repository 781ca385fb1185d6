"""ts.wrn.*: workflow runs. `ts.wrn.update` is seed 004 to the letter; secret inputs are kept
apart, shown as aliases only, and erased when the run ends."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from worktrail.domain.errors import ToolError, invalid_field
from worktrail.domain.fields import json_size
from worktrail.domain.lifecycles import WORKFLOW_RUN
from worktrail.tools.context import Call
from worktrail.tools.declaration import tool
from worktrail.tools.params import IdParams, ListParams, Moment, Params, UpdateParams, one_or_many
from worktrail.tools.workflows.shapes import BulkCreated, Deleted, Run, RunPage, RunStatus, Secrets

WORKFLOWS = "workflows"
Ref = Annotated[str, Field(min_length=1, max_length=128)]
Alias = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")]
Secret = Annotated[str, Field(max_length=10_000)]
HISTORY_MAX_BYTES = 4 * 1024 * 1024
PROJECTABLE = tuple(n for n in Run.model_fields)

UPDATE_DESCRIPTION = f"""A partial update; answers the whole run.

Moves: {"; ".join(f"{s} -> {' | '.join(t)}" for s, t in WORKFLOW_RUN.moves.items() if t)}; success, error and \
cancelled are final, left only through ts.wrn.retry (a refused move is invalid_transition). started_at on \
running, ended_at on a final move. output_data must satisfy the workflow's output_schema; output_attachment_ids \
must be output attachments of this run; input_values may change only while scheduling; run_message_history \
(up to 4 MiB) is replaced whole."""


class RunInputs(Params):
    input_values: dict[str, Any] = Field(None, description="Inputs, checked against the workflow's input_schema.")
    sensitive_input_values: dict[Alias, Secret] = Field(
        None,
        description='Secrets by alias, e.g. {"password": "..."}: never shown back (aliases only), erased when the run ends.',
    )


class RunCreate(RunInputs):
    workflow_id: Ref = Field(description="Workflow ID.")
    machine_id: Ref = Field(None, description="Machine to run on (a stored reference).")
    pool_ids: list[Ref] = Field(None, description="Pools the machine must belong to (stored references).")
    session_id: Ref = Field(None, description="Session to run in (a stored reference).")
    session_alias: Annotated[str, Field(max_length=200)] = Field(None, description="The session's alias.")
    release_session_after: bool = Field(None, description="Release the session when the run ends.")


class BulkCreate(RunCreate):
    count: int = Field(ge=1, le=1000, description="How many identical runs, 1 to 1000 (one transaction).")


class RunUpdate(UpdateParams):
    id: Ref = Field(description="Run ID.")
    status: RunStatus = Field(None, description="New status.")
    error: list[Annotated[str, Field(max_length=10_000)]] = Field(None, description="Error messages.")
    output_data: dict[str, Any] = Field(None, description="The run's output (checked against output_schema).")
    output_attachment_ids: list[Ref] = Field(None, description="Output attachments of this run.")
    run_message_history: list[dict[str, Any]] = Field(None, description="The agent's conversation, replaced whole.")
    input_values: dict[str, Any] = Field(None, description="Inputs (only while scheduling).")

    def refine(self) -> None:
        super().refine()
        if self.run_message_history is not None:
            size = json_size(self.run_message_history)
            if size > HISTORY_MAX_BYTES:
                raise ToolError(
                    "payload_too_large",
                    f"run_message_history is {size} bytes as JSON; the limit is {HISTORY_MAX_BYTES} (4 MiB).",
                    {"field": "run_message_history", "size_bytes": size, "limit_bytes": HISTORY_MAX_BYTES},
                )


class RunList(ListParams):
    workflow_id: Ref = Field(None, description="Only runs of this workflow.")
    status: Annotated[list[RunStatus], Field(min_length=1), BeforeValidator(one_or_many)] = Field(
        None, description='Only runs in any of these statuses, e.g. ["running"].'
    )
    machine_id: Ref = Field(None, description="Only runs on this machine.")
    session_id: Ref = Field(None, description="Only runs in this session.")
    created_at_from: Moment = Field(None, description="Only runs created at or after this time.")
    created_at_to: Moment = Field(None, description="Only runs created at or before this time.")
    fields: list[str] = Field(None, description="Only these fields of each run (id is always kept).")

    def refine(self) -> None:
        unknown = [f for f in self.fields or () if f not in PROJECTABLE]
        if unknown:
            raise invalid_field("fields", f"{', '.join(map(repr, unknown))} is not a run field",
                                f"Fields: {', '.join(PROJECTABLE)}.")  # fmt: skip


class RunRetry(RunInputs):
    id: Ref = Field(description="Run ID (a final run: success, error or cancelled).")


def _run(row: dict[str, Any]) -> Run:
    return Run.of(row)


def _created(p: RunCreate) -> dict[str, Any]:
    return p.sent("workflow_id", "count")


@tool("ts.wrn.create", params=RunCreate, result=Run, toolset=WORKFLOWS, min_role="member",
      summary="Start a run of a workflow (status scheduling), with checked inputs and secret inputs.")  # fmt: skip
async def create_run(call: Call, p: RunCreate) -> Run:
    return _run((await call.store.workflow_runs.create(call.origin(), p.workflow_id, _created(p)))[0])


@tool("ts.wrn.bulk_create", params=BulkCreate, result=BulkCreated, toolset=WORKFLOWS, min_role="member",
      summary="Start 1 to 1000 identical runs in one transaction (bad input refuses them all).")  # fmt: skip
async def bulk_create(call: Call, p: BulkCreate) -> BulkCreated:
    rows = await call.store.workflow_runs.create(call.origin(), p.workflow_id, _created(p), p.count)
    return BulkCreated(created_runs=[_run(r) for r in rows], failed_count=0, errors=[])


@tool("ts.wrn.get", params=IdParams, result=Run, toolset=WORKFLOWS, summary="Get a workflow run.")
async def get_run(call: Call, p: IdParams) -> Run:
    return _run(await call.store.workflow_runs.get(p.id))


@tool("ts.wrn.list", params=RunList, result=RunPage, toolset=WORKFLOWS,
      summary="List runs: running first, then by newest end; {items, total, skip, limit}.")  # fmt: skip
async def list_runs(call: Call, p: RunList) -> RunPage:
    wanted = {"workflow_id": p.workflow_id, "machine_id": p.machine_id, "session_id": p.session_id,
              "statuses": p.status, "created_at_from": p.created_at_from, "created_at_to": p.created_at_to}  # fmt: skip
    rows, total = await call.store.workflow_runs.list(wanted, p.limit, p.offset)
    keep = {"id", *(p.fields or PROJECTABLE)}
    items = [{k: v for k, v in _run(r).model_dump(mode="json").items() if k in keep} for r in rows]
    return RunPage(items=items, total=total, skip=p.offset, limit=p.limit)


@tool("ts.wrn.update", params=RunUpdate, result=Run, toolset=WORKFLOWS, min_role="member",
      summary="Update a run: status, error, output_data, output attachments, message history, inputs.",
      description=UPDATE_DESCRIPTION)  # fmt: skip
async def update_run(call: Call, p: RunUpdate) -> Run:
    return _run(await call.store.workflow_runs.update(call.origin(), p.id, p.sent("id")))


@tool("ts.wrn.retry", params=RunRetry, result=Run, toolset=WORKFLOWS, min_role="member",
      summary="Retry a final run in place: back to scheduling, outputs cleared, attempt + 1.")  # fmt: skip
async def retry_run(call: Call, p: RunRetry) -> Run:
    return _run(await call.store.workflow_runs.retry(call.origin(), p.id, p.sent("id")))


@tool("ts.wrn.delete", params=IdParams, result=Deleted, toolset=WORKFLOWS, min_role="member",
      summary="Delete a final run with its attachments.",
      description="Needs an owner, admin or the run's creator. A run still scheduling or running is refused "
      '(conflict): end it first with ts.wrn.update {"id": ..., "status": "cancelled"}.')  # fmt: skip
async def delete_run(call: Call, p: IdParams) -> Deleted:
    return Deleted(**await call.store.workflow_runs.delete(call.origin(), call.me, p.id))


# Never replayed: a kept answer would be a copy of the secrets.
@tool("ts.wrn.secrets", params=IdParams, result=Secrets, toolset=WORKFLOWS, min_role="admin", replayable=False,
      summary="Read an active run's secret inputs (owners and admins; the read is recorded, not the values).")  # fmt: skip
async def read_secrets(call: Call, p: IdParams) -> Secrets:
    values, erased_at = await call.store.workflow_runs.secrets(call.origin(), p.id)
    if erased_at is None:
        return Secrets(id=p.id, sensitive_input_values=values)
    note = (f"The run ended at {erased_at} and its secret values were erased then, from the disk too; "
            "sensitive_input_aliases still names them.")  # fmt: skip
    return Secrets(id=p.id, sensitive_input_values={}, erased_at=erased_at, note=note)


TOOLS = (create_run, bulk_create, get_run, list_runs, update_run, retry_run, delete_run, read_secrets)
