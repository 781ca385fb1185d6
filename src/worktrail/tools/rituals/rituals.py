"""ts.rtl.*: rituals, the recurring procedures agents perform, and when each is due."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Discriminator, Field, Tag

from worktrail.domain import schedules
from worktrail.domain.lifecycles import RITUAL
from worktrail.tools.context import Call
from worktrail.tools.declaration import Versioned, tool
from worktrail.tools.params import Id, IdParams, ListParams, Metadata, Name, Params, Text, UpdateParams
from worktrail.tools.results import Result, VersionedAck, ordered_fields

RitualStatus = Literal[RITUAL.states]  # type: ignore[valid-type]  # the schema enum comes from the lifecycle
Prompt = Annotated[str, Field(min_length=1, max_length=100_000)]
Link = Annotated[str, Field(max_length=128)]

UPDATE_FIELDS = ("name", "description", "schedule", "is_enabled", "status", "endeavour_id", "metadata")


# The schedule kinds carry no docstrings: pydantic would publish each one as a description, and
# SCHEDULE_DOC says it all once.
class ManualSchedule(Params):
    type: Literal["manual"] = Field(description="Never due on its own.")


class IntervalSchedule(Params):
    type: Literal["interval"] = Field(description="Due `every` after the last run's start.")
    every: Annotated[str, AfterValidator(schedules.check_interval)] = Field(
        json_schema_extra={"pattern": schedules.INTERVAL_PATTERN}, description='"30m", "2h", "1d" or "2w".'
    )


class CronSchedule(Params):
    type: Literal["cron"] = Field(description="Due when the expression matches (UTC).")
    expression: Annotated[str, AfterValidator(schedules.check_cron)] = Field(
        description='minute hour day-of-month month day-of-week, e.g. "0 9 * * 1".'
    )


def _schedule_type(value: Any) -> Any:
    return value.get("type") if isinstance(value, dict) else getattr(value, "type", None)


Schedule = Annotated[
    Annotated[ManualSchedule, Tag("manual")]
    | Annotated[IntervalSchedule, Tag("interval")]
    | Annotated[CronSchedule, Tag("cron")],
    # A callable discriminator, because only it lets the error say what a schedule must look like.
    Discriminator(
        _schedule_type,
        custom_error_type="schedule_type",
        custom_error_message='must be an object whose "type" is "manual", "interval" (with "every") '
        'or "cron" (with "expression")',
    ),
]
# Said outright beside the oneOf: clients that build arguments from the schema (MCP Inspector's
# --tool-arg, form UIs) look at `type` to know that they should send an object and not a string.
AN_OBJECT: dict[str, Any] = {"type": "object"}
SCHEDULE_DOC = (
    'When the ritual is due: {"type": "manual"} (default), {"type": "interval", "every": "30m" | "2h" | "1d" | "2w"} '
    'or {"type": "cron", "expression": "0 9 * * 1"} (5 fields, UTC).'
)


class RitualCreate(Params):
    name: Name = Field(description="Name.")
    prompt: Prompt = Field(description="The instructions to follow on each run (cannot be changed later).")
    description: Text = Field(None, description="What the ritual is for.")
    endeavour_id: Id = Field(None, description="Endeavour the ritual serves.")
    schedule: Schedule = Field(None, description=SCHEDULE_DOC, json_schema_extra=AN_OBJECT)
    is_enabled: bool = Field(None, description="Whether runs may be started (default true).")
    metadata: Metadata = Field(None, description="Free-form JSON object, up to 64 KiB.")


class RitualList(ListParams):
    endeavour_id: Id = Field(None, description="Only rituals of this endeavour.")
    is_enabled: bool = Field(None, description="Only enabled (true) or disabled (false) rituals.")
    status: RitualStatus = Field(None, description="Only rituals in this status.")
    search: str = Field(None, max_length=500, description="Text to find in name or description.")
    due: bool = Field(
        None,
        description="true: only rituals due now, most overdue first; false: only those not due.",
    )


class RitualUpdate(UpdateParams):
    FIELD_HINTS: ClassVar[dict[str, str]] = {
        "prompt": "The prompt cannot be changed after creation: a changed procedure is a new ritual. "
        'Create one with ts.rtl.create and archive this one with {"status": "archived"}.'
    }

    name: Name = Field(None, description="New name.")
    description: Text = Field(None, description="New description.")
    schedule: Schedule = Field(None, description=SCHEDULE_DOC + " Replaces the schedule.", json_schema_extra=AN_OBJECT)
    is_enabled: bool = Field(None, description="Enable (true) or disable (false) starting runs.")
    status: RitualStatus = Field(None, description="New status.")
    endeavour_id: Link = Field(None, description="New endeavour (empty string to unlink).")
    metadata: Metadata = Field(None, description="Metadata to set (replaces existing metadata).")


class Ritual(Result):
    id: str
    version: int  # 1 at creation, +1 on every change: send it back as expected_version
    name: str
    description: str
    prompt: str
    endeavour_id: str | None = None
    schedule: dict[str, Any] = Field(description="manual, interval or cron, as given.")
    is_enabled: bool
    status: RitualStatus
    metadata: dict[str, Any]
    created_by: str | None = None
    created_at: str
    updated_at: str
    archived_at: str | None = None
    last_run_at: str | None = Field(None, description="When the latest run started.")
    next_due_at: str | None = Field(
        None,
        description="When the ritual is next due: interval or cron, counted from the latest run's start "
        "(or the ritual's creation); absent for manual, disabled or archived rituals.",
    )


class RitualPage(Result):
    rituals: list[Ritual]
    total: int
    limit: int
    offset: int


@tool(
    "ts.rtl.create",
    params=RitualCreate,
    result=Ritual,
    toolset="core",
    min_role="member",
    summary="Create a ritual: a recurring procedure with a prompt and a schedule.",
)
async def create_ritual(call: Call, p: RitualCreate) -> Ritual:
    return Ritual(**await call.store.rituals.create(call.origin(), p.sent()))


@tool("ts.rtl.get", params=IdParams, result=Ritual, toolset="core", summary="Get a ritual by ID, with next_due_at.")
async def get_ritual(call: Call, p: IdParams) -> Ritual:
    return Ritual(**await call.store.rituals.get(p.id))


@tool(
    "ts.rtl.list",
    params=RitualList,
    result=RitualPage,
    toolset="core",
    summary="List rituals, newest first, each with next_due_at; {due: true} lists what is due now.",
)
async def list_rituals(call: Call, p: RitualList) -> RitualPage:
    rows, total = await call.store.rituals.list(
        endeavour_id=p.endeavour_id,
        is_enabled=p.is_enabled,
        status=p.status,
        search=p.search,
        due_at=None if p.due is None else call.now,
        due=p.due is not False,
        limit=p.limit,
        offset=p.offset,
    )
    return RitualPage(rituals=[Ritual(**r) for r in rows], total=total, limit=p.limit, offset=p.offset)


@tool(
    "ts.rtl.update",
    params=RitualUpdate,
    result=VersionedAck,
    toolset="core",
    min_role="member",
    versioned=Versioned("ritual"),
    summary="Update a ritual (partial update; the prompt cannot change).",
    description='status: active <-> archived. endeavour_id "" unlinks; metadata replaces.',
)
async def update_ritual(call: Call, p: RitualUpdate) -> VersionedAck:
    values = p.sent("id")
    version = await call.store.rituals.update(call.origin(), p.id, values)
    fields = ordered_fields(set(values), UPDATE_FIELDS)
    return VersionedAck(id=p.id, updated_at=call.now, updated_fields=fields, version=version)


TOOLS = (create_ritual, get_ritual, list_rituals, update_ritual)
