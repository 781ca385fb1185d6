"""ts.rel.*: relations between entities, as Taskschmiede makes them (its answer shapes and codes),
for now `depends_on` between tasks; made and deleted by members, each in the audit trail."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from worktrail.domain.relations.kinds import ENTITY_TYPES, RELATIONSHIP_TYPES
from worktrail.tools.context import Call
from worktrail.tools.declaration import tool
from worktrail.tools.params import Id, IdParams, ListParams, Metadata, Params
from worktrail.tools.results import FromRow, Result

TEAM = "team"
RelationshipType = Literal[RELATIONSHIP_TYPES]  # type: ignore[valid-type]  # the enum comes from the domain
EntityType = Literal[ENTITY_TYPES]  # type: ignore[valid-type]

CREATE_DESCRIPTION = """{"relationship_type": "depends_on", "source_entity_type": "task", "source_entity_id": A, \
"target_entity_type": "task", "target_entity_id": B}: task A waits for task B. A task is ready (ts.tsk.list \
{ready: true}) when planned and every task it depends on is done; ts.tsk.get shows blocked_by.

Errors: not_found (details.field names the unknown task); invalid_input for a duplicate (details name the \
relation) or a cycle (the message names the path it would close, e.g. tsk_a -> tsk_b -> tsk_a)."""


class RelationCreate(Params):
    relationship_type: RelationshipType = Field(description="depends_on: the source waits for the target.")
    source_entity_type: EntityType = Field(description="Kind of the source entity.")
    source_entity_id: Id = Field(description="The entity that depends (a task ID).")
    target_entity_type: EntityType = Field(description="Kind of the target entity.")
    target_entity_id: Id = Field(description="The entity it depends on (a task ID).")
    metadata: Metadata = Field(None, description="Free-form JSON object, up to 64 KiB.")


class RelationList(ListParams):
    relationship_type: RelationshipType = Field(None, description="Only relations of this type.")
    source_entity_type: EntityType = Field(None, description="Only relations from this kind of entity.")
    source_entity_id: Id = Field(None, description="Only relations from this entity (what it depends on).")
    target_entity_type: EntityType = Field(None, description="Only relations to this kind of entity.")
    target_entity_id: Id = Field(None, description="Only relations to this entity (what depends on it).")


class Relation(FromRow):
    id: str
    relationship_type: RelationshipType
    source_entity_type: EntityType
    source_entity_id: str
    target_entity_type: EntityType
    target_entity_id: str
    metadata: dict[str, Any]
    created_by: str | None = None
    created_at: str


class RelationPage(Result):
    relations: list[Relation]
    total: int
    limit: int
    offset: int


class RelationDeleted(Result):
    id: str
    deleted: bool


@tool("ts.rel.create", params=RelationCreate, result=Relation, toolset=TEAM, min_role="member",
      summary="Relate two entities: a task depends_on another.", description=CREATE_DESCRIPTION)  # fmt: skip
async def create_relation(call: Call, p: RelationCreate) -> Relation:
    return Relation.of(await call.store.relations.create(call.origin(), p.sent()))


@tool("ts.rel.list", params=RelationList, result=RelationPage, toolset=TEAM,
      summary="List relations, newest first, filtered by any of their type and ends.")  # fmt: skip
async def list_relations(call: Call, p: RelationList) -> RelationPage:
    rows, total = await call.store.relations.list(p.sent("limit", "offset"), p.limit, p.offset)
    return RelationPage(relations=[Relation.of(r) for r in rows], total=total, limit=p.limit, offset=p.offset)


@tool("ts.rel.delete", params=IdParams, result=RelationDeleted, toolset=TEAM, min_role="member",
      summary="Delete a relation by ID (a dependency no longer blocks).",
      description="By an owner, an admin or the relation's creator.")  # fmt: skip
async def delete_relation(call: Call, p: IdParams) -> RelationDeleted:
    return RelationDeleted(**await call.store.relations.delete(call.origin(), call.me, p.id))


TOOLS = (create_relation, list_relations, delete_relation)
