"""ts.tsk.*: tasks. `ts.tsk.update` is seed 001 to the letter."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from worktrail.domain import fields
from worktrail.domain.errors import invalid_field
from worktrail.domain.lifecycles import TASK
from worktrail.domain.tasks import UPDATE_FIELDS
from worktrail.tools.context import Call
from worktrail.tools.declaration import Versioned, tool
from worktrail.tools.params import (
    DateOrDateTime,
    Hours,
    Id,
    IdParams,
    ListParams,
    Metadata,
    Params,
    Text,
    Title,
    UpdateParams,
    one_or_many,
)
from worktrail.tools.results import (
    TOTAL_IS_ESTIMATE,
    Result,
    UpdateAck,
    VersionedAck,
    ordered_fields,
    total_is_estimate,
)

TaskStatus = Literal[TASK.states]  # type: ignore[valid-type]  # the schema enum comes from the lifecycle
Link = Annotated[str, Field(max_length=128)]
# One type in the schema (an array) for every client; a lone status string is taken as a list of one.
StatusList = Annotated[list[TaskStatus], Field(min_length=1), BeforeValidator(one_or_many)]
CancelReason = Annotated[str, Field(max_length=fields.REASON_MAX), AfterValidator(fields.check_not_blank)]

CANCEL_HINT = 'Say why, e.g. {"status": "canceled", "canceled_reason": "Duplicate of another task"}.'

UPDATE_DESCRIPTION = """Updates one or more fields of an existing task. Only provided fields are changed; omitted fields remain unchanged.

Status transitions are validated:
- planned -> active, canceled
- active -> done, canceled, planned
- done -> active (reopen)
- canceled -> planned (reopen)

Lifecycle timestamps are set automatically:
- started_at: set when status changes to active
- completed_at: set when status changes to done
- canceled_at: set when status changes to canceled

To unassign or unlink, pass an empty string for assignee_id or endeavour_id.

Errors: not_found; invalid_transition (e.g. planned -> done; details list the allowed statuses); \
invalid_input (details name the field)."""


class TaskCreate(Params):
    title: Title = Field(description="Title.")
    description: Text = Field(None, description="Description.")
    endeavour_id: Id = Field(None, description="Endeavour the task belongs to.")
    assignee_id: Id = Field(None, description="Resource the task is assigned to.")
    estimate: Hours = Field(None, description="Estimated hours (>= 0).")
    due_date: DateOrDateTime = Field(None, description="Due date (ISO 8601 date or date-time).")
    metadata: Metadata = Field(None, description="Free-form JSON object, up to 64 KiB.")


class TaskUpdate(UpdateParams):
    id: Id = Field(description="Task ID to update")
    title: Title = Field(None, description="New title")
    description: Text = Field(None, description="New description")
    status: TaskStatus = Field(None, description="New status: planned, active, done, canceled")
    endeavour_id: Link = Field(None, description="New endeavour (empty string to unlink)")
    assignee_id: Link = Field(None, description="New assignee resource (empty string to unassign)")
    estimate: Hours = Field(None, description="Estimated hours")
    actual: Hours = Field(None, description="Actual hours spent")
    due_date: DateOrDateTime = Field(None, description="Due date (ISO 8601, empty string to clear)")
    canceled_reason: CancelReason = Field(None, description="Reason for cancellation (when setting status to canceled)")
    metadata: Metadata = Field(None, description="Metadata to set (replaces existing metadata)")

    def refine(self) -> None:
        super().refine()
        if self.status == "canceled" and "canceled_reason" not in self.model_fields_set:
            raise invalid_field("canceled_reason", "is required when setting status to canceled", CANCEL_HINT)


class TaskCancel(Params):
    id: Id = Field(description="Task ID to cancel.")
    reason: CancelReason = Field(description="Why the task is canceled (stored as canceled_reason).")


class TaskList(ListParams):
    status: StatusList = Field(None, description='Only tasks in any of these statuses, e.g. ["planned", "active"].')
    endeavour_id: Id = Field(None, description="Only tasks of this endeavour.")
    assignee_id: Id = Field(None, description='Only tasks assigned to this resource ("me" for yourself).')
    search: str = Field(
        None, max_length=500, description="Words in title or description (each matches words it starts)."
    )
    ready: bool = Field(None, description="Only ready tasks (planned, dependencies done, endeavour not archived).")


class Task(Result):
    id: str
    version: int  # 1 at creation, +1 on every change: send it back as expected_version
    title: str
    description: str
    status: TaskStatus
    endeavour_id: str | None = None
    assignee_id: str | None = None
    creator_id: str | None = None
    estimate: float | None = None
    actual: float | None = None
    due_date: str | None = None
    metadata: dict[str, Any]
    created_at: str
    updated_at: str
    started_at: str | None = None
    completed_at: str | None = None
    canceled_at: str | None = None
    canceled_reason: str | None = None
    lease_holder_id: str | None = None  # while claimed (ts.tsk.claim): who holds it, and until when
    lease_expires_at: str | None = None


class TaskShown(Task):
    blocked_by: list[str]  # the tasks it depends on (ts.rel) that are not done; [] when none


class TaskPage(Result):
    tasks: list[Task]
    total: int
    total_is_estimate: bool | None = Field(None, description=TOTAL_IS_ESTIMATE)
    limit: int
    offset: int


@tool(
    "ts.tsk.create",
    params=TaskCreate,
    result=Task,
    toolset="core",
    min_role="member",
    summary="Create a task (status planned; you are its creator).",
)
async def create_task(call: Call, p: TaskCreate) -> Task:
    return Task(**await call.store.tasks.create(call.origin(), p.sent()))


@tool("ts.tsk.get", params=IdParams, result=TaskShown, toolset="core",
      summary="Get a task by ID (blocked_by: its dependencies not done).")  # fmt: skip
async def get_task(call: Call, p: IdParams) -> TaskShown:
    return TaskShown(**await call.store.tasks.get(p.id))


@tool(
    "ts.tsk.list",
    params=TaskList,
    result=TaskPage,
    toolset="core",
    summary="List tasks, newest first, with filters.",
    description=TOTAL_IS_ESTIMATE,
)
async def list_tasks(call: Call, p: TaskList) -> TaskPage:
    assignee = call.me.resource_id if p.assignee_id == "me" else p.assignee_id
    rows, total = await call.store.tasks.list(
        statuses=p.status,
        endeavour_id=p.endeavour_id,
        assignee_id=assignee,
        search=p.search,
        ready=bool(p.ready),
        limit=p.limit,
        offset=p.offset,
    )
    return TaskPage(
        tasks=[Task(**r) for r in rows],
        total=total,
        total_is_estimate=total_is_estimate(total),
        limit=p.limit,
        offset=p.offset,
    )


@tool(
    "ts.tsk.update",
    params=TaskUpdate,
    result=UpdateAck,
    toolset="core",
    min_role="member",
    versioned=Versioned("task"),
    summary="Update task attributes (partial update).",
    description=UPDATE_DESCRIPTION,
)
async def update_task(call: Call, p: TaskUpdate) -> UpdateAck:
    changes = p.sent("id")
    await call.store.tasks.update(call.origin(), call.me, p.id, changes)
    return UpdateAck(id=p.id, updated_at=call.now, updated_fields=ordered_fields(set(changes), UPDATE_FIELDS))


@tool(
    "ts.tsk.cancel",
    params=TaskCancel,
    result=VersionedAck,
    toolset="core",
    min_role="member",
    versioned=Versioned("task"),
    summary="Cancel a task with a reason (the same as ts.tsk.update to canceled).",
    description="By an owner, admin, the creator or the assignee; planned or active tasks only. "
    "Reopen with ts.tsk.update {status: planned}.",
)
async def cancel_task(call: Call, p: TaskCancel) -> VersionedAck:
    changes = {"status": "canceled", "canceled_reason": p.reason}
    version = await call.store.tasks.update(call.origin(), call.me, p.id, changes)
    return VersionedAck(id=p.id, updated_at=call.now, updated_fields=["status", "canceled_reason"], version=version)


TOOLS = (create_task, get_task, list_tasks, update_task, cancel_task)
