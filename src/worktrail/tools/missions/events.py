"""ts.evt.*: a run's event log, what the agent did, in the order it happened."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from worktrail.tools.context import Call
from worktrail.tools.declaration import tool
from worktrail.tools.missions.shapes import Event, EventAnswer, EventPage, EventType, Meta
from worktrail.tools.params import Id, ListParams, Metadata, Params

MISSION = "missions"
Short = Annotated[str, Field(min_length=1, max_length=128)]


class EventLog(Params):
    mission_id: Id = Field(description="Mission ID.")
    run_id: Id = Field(description="Run ID.")
    type: EventType = Field(description="What kind of event.")
    summary: Annotated[str, Field(min_length=1, max_length=5_000)] = Field(description="What happened, in a line.")
    payload: Metadata = Field(None, description="Details, a JSON object up to 64 KiB.")
    step_id: Short = Field(None, description="The plan step it belongs to.")
    agent_id: Short = Field(None, description="Which agent did it.")


class EventList(ListParams):
    mission_id: Id = Field(None, description="Only events of this mission.")
    run_id: Id = Field(None, description="Only events of this run (then oldest first).")
    type: EventType = Field(None, description="Only events of this type.")
    step_id: Short = Field(None, description="Only events of this step.")
    agent_id: Short = Field(None, description="Only events of this agent.")


class EventRef(Params):
    event_id: Id = Field(description="Event ID.")


@tool("ts.evt.log", params=EventLog, result=EventAnswer, toolset=MISSION, min_role="member",
      summary="Log an event on a run (with idempotency_key, a retry logs it once).")  # fmt: skip
async def log_event(call: Call, p: EventLog) -> EventAnswer:
    row = await call.store.events.log(call.origin(), p.mission_id, p.run_id, p.sent("mission_id", "run_id"))
    return EventAnswer(data=Event.of(row))


@tool("ts.evt.list", params=EventList, result=EventPage, toolset=MISSION,
      summary="List events: oldest first within a run, newest first across runs.")  # fmt: skip
async def list_events(call: Call, p: EventList) -> EventPage:
    equal = {k: getattr(p, k) for k in ("mission_id", "run_id", "type", "step_id", "agent_id")}
    rows, total = await call.store.events.list(equal, p.limit, p.offset)
    return EventPage(data=[Event.of(r) for r in rows], meta=Meta(total=total, limit=p.limit, offset=p.offset))


@tool("ts.evt.get", params=EventRef, result=EventAnswer, toolset=MISSION, summary="Get one event.")
async def get_event(call: Call, p: EventRef) -> EventAnswer:
    return EventAnswer(data=Event.of(await call.store.events.get(p.event_id)))


TOOLS = (log_event, list_events, get_event)
