"""ts.exe.*: executions. `ts.exe.update` is seed 002 to the letter."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field

from worktrail.domain.errors import invalid_field
from worktrail.domain.lifecycles import EXECUTION
from worktrail.tools.context import Call
from worktrail.tools.declaration import Versioned, tool
from worktrail.tools.params import ListParams, Metadata, Params, Reason, one_or_many
from worktrail.tools.results import FromRow, Result

EXECUTIONS = "executions"
Status = Literal[EXECUTION.states]  # type: ignore[valid-type]
Settled = Literal["cancelled", "failed", "completed"]
Ref = Annotated[str, Field(min_length=1, max_length=128)]
KEY = (("execution_id", "id"),)

UPDATE_DESCRIPTION = """Target statuses: cancelled (a user's cancel), failed or completed (settling an \
execution stuck in running or interrupted, e.g. after a server restart). error_info goes only with failed. \
From a final status: invalid_transition. interrupted is set by the sweep alone, when the process that ran \
the execution is gone."""


class ExecutionCreate(Params):
    config_id: Ref = Field(description="The configuration to run.")
    config: Metadata = Field(None, description="The configuration itself, frozen as config_snapshot.")
    trigger_context: Metadata = Field(None, description="What started it (free JSON).")


class ExecutionRef(Params):
    execution_id: Ref = Field(description="Execution ID.")


class ExecutionList(ListParams):
    status: Annotated[list[Status], Field(min_length=1), BeforeValidator(one_or_many)] = Field(
        None, description='Only executions in any of these statuses, e.g. ["running", "interrupted"].'
    )
    config_id: Ref = Field(None, description="Only executions of this configuration.")


class ExecutionUpdate(ExecutionRef):
    status: Settled = Field(description="Target status: cancelled, failed or completed.")
    error_info: Metadata = Field(None, description="Why it failed (only with status failed).")

    def refine(self) -> None:
        if self.error_info is not None and self.status != "failed":
            raise invalid_field("error_info", "is accepted only with status failed", "Leave it out, or send failed.")


class ExecutionCancel(ExecutionRef):
    reason: Reason = Field(None, description="Why it is cancelled (kept in the audit trail's record of the cancel).")


class ExecutionHeartbeat(ExecutionRef):
    progress: Metadata = Field(None, description="Where it stands (free JSON), kept on the execution.")


class Execution(FromRow):
    ROW_ID: ClassVar[str | None] = "execution_id"

    execution_id: str
    version: int
    config_id: str
    status: Status
    config_snapshot: dict[str, Any]
    trigger_context: dict[str, Any] | None = None
    error_info: dict[str, Any] | None = None
    progress: dict[str, Any] | None = None
    instance_id: str | None = None
    started_at: str
    finished_at: str | None = None
    heartbeat_at: str | None = None
    updated_at: str


class ExecutionPage(Result):
    items: list[Execution]
    total: int
    limit: int
    offset: int


class StatusUpdate(Result):
    """Seed 002's ExecutionStatusUpdateResponse."""

    success: bool
    execution_id: str
    previous_status: Status
    current_status: Status
    message: str


class Beat(Result):
    execution_id: str
    status: Status
    heartbeat_at: str


async def _settle(call: Call, execution_id: str, changes: dict[str, Any], reason: str | None = None) -> StatusUpdate:
    previous, row = await call.store.executions.settle(call.origin(), execution_id, changes, reason)
    return StatusUpdate(success=True, execution_id=execution_id, previous_status=previous,
                        current_status=row["status"], message=f"Execution {previous} -> {row['status']}.")  # fmt: skip


@tool("ts.exe.create", params=ExecutionCreate, result=Execution, toolset=EXECUTIONS, min_role="member",
      summary="Start an execution of a configuration (running; its config frozen as config_snapshot).")  # fmt: skip
async def create_execution(call: Call, p: ExecutionCreate) -> Execution:
    values = {"config_id": p.config_id, "config_snapshot": p.config or {}, "trigger_context": p.trigger_context}
    return Execution.of(await call.store.executions.create(call.origin(), values))


@tool("ts.exe.get", params=ExecutionRef, result=Execution, toolset=EXECUTIONS, summary="Get an execution.")
async def get_execution(call: Call, p: ExecutionRef) -> Execution:
    return Execution.of(await call.store.executions.get(p.execution_id))


@tool("ts.exe.list", params=ExecutionList, result=ExecutionPage, toolset=EXECUTIONS,
      summary="List executions, newest first.")  # fmt: skip
async def list_executions(call: Call, p: ExecutionList) -> ExecutionPage:
    rows, total = await call.store.executions.list(p.status, p.config_id, p.limit, p.offset)
    return ExecutionPage(items=[Execution.of(r) for r in rows], total=total, limit=p.limit, offset=p.offset)


@tool("ts.exe.update", params=ExecutionUpdate, result=StatusUpdate, toolset=EXECUTIONS, min_role="member",
      versioned=Versioned("execution", KEY), summary="Update execution status.",
      description=UPDATE_DESCRIPTION)  # fmt: skip
async def update_execution(call: Call, p: ExecutionUpdate) -> StatusUpdate:
    return await _settle(call, p.execution_id, p.sent("execution_id"))


@tool("ts.exe.cancel", params=ExecutionCancel, result=StatusUpdate, toolset=EXECUTIONS, min_role="member",
      versioned=Versioned("execution", KEY),
      summary="Cancel a running or interrupted execution (the same as an update to cancelled).")  # fmt: skip
async def cancel_execution(call: Call, p: ExecutionCancel) -> StatusUpdate:
    return await _settle(call, p.execution_id, {"status": "cancelled"}, p.reason)


@tool("ts.exe.heartbeat", params=ExecutionHeartbeat, result=Beat, toolset=EXECUTIONS, min_role="member",
      summary="Keep a long execution alive (and note its progress): the sweep leaves it alone.")  # fmt: skip
async def heartbeat_execution(call: Call, p: ExecutionHeartbeat) -> Beat:
    beat = await call.store.executions.heartbeat(p.execution_id, call.now, p.progress)
    return Beat(execution_id=p.execution_id, status=beat["status"], heartbeat_at=beat["heartbeat_at"])


TOOLS = (create_execution, get_execution, list_executions, update_execution, cancel_execution, heartbeat_execution)
