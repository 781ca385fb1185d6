"""ts.msn.*: missions, the definitions of multi-step objectives that runs carry out."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from worktrail.domain.errors import ToolError
from worktrail.tools.context import Call
from worktrail.tools.declaration import Versioned, tool
from worktrail.tools.missions.shapes import (
    DeletedAnswer,
    ExecutionMode,
    Meta,
    Mission,
    MissionAnswer,
    MissionPage,
)
from worktrail.tools.params import Id, ListParams, Metadata, Name, Params, Text

Model = Annotated[str, Field(min_length=1, max_length=200)]
Instructions = Annotated[str, Field(max_length=100_000)]
MISSION = "missions"


class MissionCreate(Params):
    name: Name = Field(description="Name.")
    description: Text = Field(None, description="What the mission is for.")
    instructions: Instructions = Field(None, description="How to carry it out (the agent's prompt).")
    model: Model = Field(None, description="The model meant to run it, e.g. claude-sonnet-4.")
    execution_mode: ExecutionMode = Field(
        None, description="external (default: your agent does the work and reports) or managed."
    )
    metadata: Metadata = Field(None, description="Free-form JSON object, up to 64 KiB.")


class MissionRef(Params):
    mission_id: Id = Field(description="Mission ID.")


class MissionList(ListParams):
    search: str = Field(None, max_length=500, description="Text to find in name or description.")


class MissionUpdate(MissionRef):
    name: Name = Field(None, description="New name.")
    description: Text = Field(None, description="New description.")
    instructions: Instructions = Field(None, description="New instructions.")
    model: Model = Field(None, description="New model.")
    execution_mode: ExecutionMode = Field(None, description="external or managed.")
    metadata: Metadata = Field(None, description="Metadata to set (replaces existing).")

    KEYS: ClassVar[tuple[str, ...]] = ("mission_id",)

    def refine(self) -> None:
        if not self.sent(*self.KEYS):
            raise ToolError(
                "invalid_input",
                "No fields to update: send at least one field besides mission_id.",
                [{"loc": [], "msg": "no fields to update", "type": "missing",
                  "fields": [n for n in type(self).model_fields if n not in self.KEYS]}],
            )  # fmt: skip


class MissionClone(MissionRef):
    name: Name = Field(None, description='Name of the copy (default: "<name> (copy)").')


@tool("ts.msn.create", params=MissionCreate, result=MissionAnswer, toolset=MISSION, min_role="member",
      summary="Define a mission: a multi-step objective that runs carry out.")  # fmt: skip
async def create_mission(call: Call, p: MissionCreate) -> MissionAnswer:
    return MissionAnswer(data=Mission.of(await call.store.missions.create(call.origin(), p.sent())))


@tool("ts.msn.get", params=MissionRef, result=MissionAnswer, toolset=MISSION, summary="Get a mission.")
async def get_mission(call: Call, p: MissionRef) -> MissionAnswer:
    return MissionAnswer(data=Mission.of(await call.store.missions.get(p.mission_id)))


@tool("ts.msn.list", params=MissionList, result=MissionPage, toolset=MISSION, summary="List missions, newest first.")
async def list_missions(call: Call, p: MissionList) -> MissionPage:
    rows, total = await call.store.missions.list(p.search, p.limit, p.offset)
    return MissionPage(data=[Mission.of(r) for r in rows], meta=Meta(total=total, limit=p.limit, offset=p.offset))


@tool("ts.msn.update", params=MissionUpdate, result=MissionAnswer, toolset=MISSION, min_role="member",
      versioned=Versioned("mission", (("mission_id", "id"),)),
      summary="Update a mission's definition (partial update; metadata replaces).")  # fmt: skip
async def update_mission(call: Call, p: MissionUpdate) -> MissionAnswer:
    row = await call.store.missions.update(call.origin(), p.mission_id, p.sent("mission_id"))
    return MissionAnswer(data=Mission.of(row))


@tool("ts.msn.clone", params=MissionClone, result=MissionAnswer, toolset=MISSION, min_role="member",
      summary="Copy a mission's definition into a new mission (no runs).")  # fmt: skip
async def clone_mission(call: Call, p: MissionClone) -> MissionAnswer:
    return MissionAnswer(data=Mission.of(await call.store.missions.clone(call.origin(), p.mission_id, p.name)))


@tool("ts.msn.delete", params=MissionRef, result=DeletedAnswer, toolset=MISSION, min_role="member",
      summary="Delete a mission with its runs, plans and events.",
      description="Refused (conflict) while a run is pending, running or paused. Needs an owner, admin or the "
      "mission's creator.")  # fmt: skip
async def delete_mission(call: Call, p: MissionRef) -> DeletedAnswer:
    return DeletedAnswer(data=await call.store.missions.delete(call.origin(), call.me, p.mission_id))


TOOLS = (create_mission, get_mission, list_missions, update_mission, clone_mission, delete_mission)
