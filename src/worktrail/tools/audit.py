"""ts.aud.*: the audit trail, who changed what and when."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from worktrail.domain.roles import is_admin
from worktrail.tools.context import Call
from worktrail.tools.declaration import tool
from worktrail.tools.params import Id, ListParams, Moment
from worktrail.tools.results import Result

EntityType = Literal[
    "resource", "api_key", "endeavour", "task", "ritual", "ritual_run", "mission", "mission_run", "plan_step",
    "mission_event", "workflow", "workflow_run", "attachment", "execution", "oauth_grant", "relation",
]  # fmt: skip
Action = Literal["create", "update", "cancel", "revoke", "delete", "retry", "read", "sweep"]

DESCRIPTION = """Every change made through a tool leaves one record, written in the same transaction as the \
change: {id, at, actor_id, tool, entity_type, entity_id, action, changes: {field: [old, new]}, version}, \
and via (the app's name) when the person acted through an app signed in with OAuth. \
A create's changes are {}: the entity itself holds what it was created with.

With entity_id the records are that entity's history, oldest first; otherwise newest first. \
API key and OAuth grant (connected app) records are shown to their owner and to owners and admins only."""


class AuditList(ListParams):
    entity_id: Id = Field(None, description="Only the history of this entity (oldest first).")
    actor_id: Id = Field(None, description='Only changes made by this resource ("me" for yourself).')
    entity_type: EntityType = Field(None, description="Only changes to this kind of entity.")
    action: Action = Field(None, description="Only this kind of change.")
    since: Moment = Field(None, description="Only changes at or after this ISO 8601 date or date-time.")


class ChangeRecord(Result):
    id: str
    at: str = Field(description="When the change was stored (RFC 3339, UTC).")
    actor_id: str | None = Field(None, description="The resource that made the change.")
    tool: str = Field(description="The tool that made it.")
    entity_type: EntityType
    entity_id: str
    action: Action
    changes: dict[str, Any] = Field(description="{field: [old, new]} for every field that changed ({} for a create).")
    version: int | None = Field(None, description="The entity's version this change produced (absent for keys).")
    via: str | None = Field(
        None, description="The app the resource acted through, by name (an OAuth grant's client): absent for a key."
    )


class AuditPage(Result):
    records: list[ChangeRecord]
    total: int
    limit: int
    offset: int


@tool(
    "ts.aud.list",
    params=AuditList,
    result=AuditPage,
    toolset="admin",
    summary="List change records: who changed what, and when.",
    description=DESCRIPTION,
)
async def list_changes(call: Call, p: AuditList) -> AuditPage:
    me = call.me
    rows, total = await call.store.audit.list(
        entity_id=p.entity_id,
        actor_id=me.resource_id if p.actor_id == "me" else p.actor_id,
        entity_type=p.entity_type,
        action=p.action,
        since=p.since or None,
        keys_of=None if is_admin(me.role) else me.resource_id,
        limit=p.limit,
        offset=p.offset,
    )
    return AuditPage(records=[ChangeRecord(**r) for r in rows], total=total, limit=p.limit, offset=p.offset)


TOOLS = (list_changes,)
