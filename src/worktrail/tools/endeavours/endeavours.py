"""ts.edv.*: endeavours, the bodies of work that tasks belong to."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from worktrail.domain.lifecycles import ENDEAVOUR
from worktrail.tools.context import Call
from worktrail.tools.declaration import Versioned, tool
from worktrail.tools.params import Date, IdParams, ListParams, Metadata, Name, Params, Text, UpdateParams
from worktrail.tools.results import Result, VersionedAck, ordered_fields

EndeavourStatus = Literal[ENDEAVOUR.states]  # type: ignore[valid-type]  # the schema enum comes from the lifecycle
Goal = Annotated[str, Field(min_length=1, max_length=500)]
Goals = Annotated[list[Goal], Field(max_length=50)]

UPDATE_FIELDS = ("name", "description", "goals", "status", "start_date", "end_date", "metadata")


class EndeavourCreate(Params):
    name: Name = Field(description="Name.")
    description: Text = Field(None, description="What the endeavour is for.")
    goals: Goals = Field(None, description="Goals.")
    start_date: Date = Field(None, description="Start date, ISO 8601 (2026-03-01).")
    end_date: Date = Field(None, description="End date, ISO 8601, not before start_date.")
    metadata: Metadata = Field(None, description="Free-form JSON object, up to 64 KiB.")


class EndeavourList(ListParams):
    status: EndeavourStatus = Field(None, description="Only endeavours in this status.")
    search: str = Field(None, max_length=500, description="Text to find in name or description.")


class EndeavourUpdate(UpdateParams):
    name: Name = Field(None, description="New name.")
    description: Text = Field(None, description="New description.")
    goals: Goals = Field(None, description="New goals (replaces the list; [] clears).")
    status: EndeavourStatus = Field(None, description="New status (the moves are in the tool description).")
    start_date: Date = Field(None, description="New start date (ISO 8601; empty string to clear).")
    end_date: Date = Field(None, description="New end date (ISO 8601; empty string to clear).")
    metadata: Metadata = Field(None, description="Metadata to set (replaces existing metadata).")


class TaskCounts(Result):
    planned: int
    active: int
    done: int
    canceled: int


class Endeavour(Result):
    id: str
    version: int  # 1 at creation, +1 on every change: send it back as expected_version
    name: str
    description: str
    goals: list[str]
    status: EndeavourStatus
    start_date: str | None = None
    end_date: str | None = None
    metadata: dict[str, Any]
    created_by: str | None = None
    created_at: str
    updated_at: str
    completed_at: str | None = None
    archived_at: str | None = None
    task_counts: TaskCounts | None = Field(None, description="Tasks of this endeavour by status (create and get).")


class EndeavourPage(Result):
    endeavours: list[Endeavour]
    total: int
    limit: int
    offset: int


@tool(
    "ts.edv.create",
    params=EndeavourCreate,
    result=Endeavour,
    toolset="core",
    min_role="member",
    summary="Create an endeavour (status active).",
)
async def create_endeavour(call: Call, p: EndeavourCreate) -> Endeavour:
    return Endeavour(**await call.store.endeavours.create(call.origin(), p.sent()))


@tool(
    "ts.edv.get",
    params=IdParams,
    result=Endeavour,
    toolset="core",
    summary="Get an endeavour by ID, with its task counts by status.",
)
async def get_endeavour(call: Call, p: IdParams) -> Endeavour:
    return Endeavour(**await call.store.endeavours.get(p.id))


@tool(
    "ts.edv.list", params=EndeavourList, result=EndeavourPage, toolset="core", summary="List endeavours, newest first."
)
async def list_endeavours(call: Call, p: EndeavourList) -> EndeavourPage:
    rows, total = await call.store.endeavours.list(status=p.status, search=p.search, limit=p.limit, offset=p.offset)
    return EndeavourPage(endeavours=[Endeavour(**r) for r in rows], total=total, limit=p.limit, offset=p.offset)


@tool(
    "ts.edv.update",
    params=EndeavourUpdate,
    result=VersionedAck,
    toolset="core",
    min_role="member",
    versioned=Versioned("endeavour"),
    summary="Update an endeavour (partial update).",
    description="Status: active -> on_hold | completed | archived; on_hold, completed -> active | archived. "
    "Archived is final, for the endeavour and its tasks.",
)
async def update_endeavour(call: Call, p: EndeavourUpdate) -> VersionedAck:
    changes = p.sent("id")
    version = await call.store.endeavours.update(call.origin(), p.id, changes)
    fields = ordered_fields(set(changes), UPDATE_FIELDS)
    return VersionedAck(id=p.id, updated_at=call.now, updated_fields=fields, version=version)


TOOLS = (create_endeavour, get_endeavour, list_endeavours, update_endeavour)
