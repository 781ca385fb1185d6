"""ts.res.*: the humans, agents, services and teams that do the work."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from worktrail.domain.errors import forbidden
from worktrail.domain.lifecycles import RESOURCE
from worktrail.domain.roles import Role
from worktrail.tools.context import Call
from worktrail.tools.declaration import Versioned, tool
from worktrail.tools.params import Hours, IdParams, ListParams, Metadata, Name, Params, UpdateParams
from worktrail.tools.results import Result, VersionedAck, ordered_fields

ResourceType = Literal["human", "agent", "service", "team"]
RoleName = Role
ResourceStatus = Literal[RESOURCE.states]  # type: ignore[valid-type]  # the schema enum comes from the lifecycle
Skill = Annotated[str, Field(min_length=1, max_length=100)]
Skills = Annotated[list[Skill], Field(max_length=50)]
CapacityModel = Annotated[str, Field(max_length=100)]

UPDATE_FIELDS = ("name", "role", "status", "skills", "capacity_model", "capacity_value", "metadata")


class ResourceCreate(Params):
    type: ResourceType = Field(description="What the resource is: human, agent, service or team.")
    name: Name = Field(description="Display name, unique in the ledger (compared ignoring case and width).")
    role: RoleName = Field("member", description="What it may do: owner, admin, member (default) or viewer.")
    skills: Skills = Field(None, description="Skills.")
    capacity_model: CapacityModel = Field(None, description="How capacity is counted, e.g. hours_per_week.")
    capacity_value: Hours = Field(None, description="Capacity in the unit of capacity_model (>= 0).")
    metadata: Metadata = Field(None, description="Free-form JSON object, up to 64 KiB.")


class ResourceList(ListParams):
    type: ResourceType = Field(None, description="Only resources of this type.")
    status: ResourceStatus = Field(None, description="Only resources in this status.")
    search: str = Field(None, max_length=500, description="Text to find in the name (case-insensitive).")


class ResourceUpdate(UpdateParams):
    name: Name = Field(None, description="New display name, unique in the ledger (taken: conflict).")
    role: RoleName = Field(None, description="New role (owners and admins only; owner only by an owner).")
    status: ResourceStatus = Field(None, description="active or inactive; an inactive resource's keys stop working.")
    skills: Skills = Field(None, description="New skills (replaces the list; [] clears).")
    capacity_model: CapacityModel = Field(None, description="New capacity model.")
    capacity_value: Hours = Field(None, description="New capacity value (>= 0).")
    metadata: Metadata = Field(None, description="Metadata to set (replaces existing metadata).")


class Resource(Result):
    id: str
    version: int  # 1 at creation, +1 on every change: send it back as expected_version
    type: ResourceType
    name: str
    role: RoleName
    status: ResourceStatus
    skills: list[str]
    capacity_model: str | None = None
    capacity_value: float | None = None
    metadata: dict[str, Any]
    created_at: str
    updated_at: str


class ResourcePage(Result):
    resources: list[Resource]
    total: int
    limit: int
    offset: int


@tool(
    "ts.res.create",
    params=ResourceCreate,
    result=Resource,
    toolset="admin",
    min_role="admin",
    summary="Create a resource (a human, agent, service or team). Owners and admins only.",
    description="Give it a key with ts.key.create {resource_id} so it can log in.",
)
async def create_resource(call: Call, p: ResourceCreate) -> Resource:
    if p.role == "owner" and call.me.role != "owner":
        raise forbidden("Only an owner may create another owner.", "owner")
    values = {"role": p.role, **p.sent()}
    return Resource(**await call.store.resources.create(call.origin(), values))


@tool("ts.res.get", params=IdParams, result=Resource, toolset="core", summary="Get a resource by ID.")
async def get_resource(call: Call, p: IdParams) -> Resource:
    return Resource(**await call.store.resources.get(p.id))


@tool("ts.res.list", params=ResourceList, result=ResourcePage, toolset="core", summary="List resources, newest first.")
async def list_resources(call: Call, p: ResourceList) -> ResourcePage:
    rows, total = await call.store.resources.list(
        type=p.type, status=p.status, search=p.search, limit=p.limit, offset=p.offset
    )
    return ResourcePage(resources=[Resource(**r) for r in rows], total=total, limit=p.limit, offset=p.offset)


@tool(
    "ts.res.update",
    params=ResourceUpdate,
    result=VersionedAck,
    toolset="admin",
    min_role="member",
    versioned=Versioned("resource"),
    summary="Update a resource (partial update).",
    description="Owners and admins change any resource (an owner's only by an owner); anyone its own name, "
    "skills, capacity and metadata. The last active owner stays.",
)
async def update_resource(call: Call, p: ResourceUpdate) -> VersionedAck:
    changes = p.sent("id")
    version = await call.store.resources.update(call.origin(), call.me, p.id, changes)
    fields = ordered_fields(set(changes), UPDATE_FIELDS)
    return VersionedAck(id=p.id, updated_at=call.now, updated_fields=fields, version=version)


TOOLS = (create_resource, get_resource, list_resources, update_resource)
