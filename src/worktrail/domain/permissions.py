"""Who may change what, beyond the role a tool needs: rules read against the entity itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from worktrail.domain.actor import Actor
from worktrail.domain.errors import forbidden
from worktrail.domain.oauth_tokens import GRANT_PREFIX
from worktrail.domain.roles import is_admin

# Fields of its own resource a non-admin may change; role and status are an admin's to give.
SELF_EDITABLE_RESOURCE_FIELDS = frozenset({"name", "skills", "capacity_model", "capacity_value", "metadata"})


def may_cancel_task(actor: Actor, task: Mapping[str, Any]) -> bool:
    """Cancelling a task needs an admin, its creator or its assignee."""
    return is_admin(actor.role) or actor.resource_id in (task.get("creator_id"), task.get("assignee_id"))


def check_may_cancel_task(actor: Actor, task: Mapping[str, Any]) -> None:
    if may_cancel_task(actor, task):
        return
    raise forbidden("Cancelling a task needs an owner or admin, the task's creator, or its assignee.", "admin")


def check_may_update_resource(actor: Actor, resource: Mapping[str, Any], changes: Mapping[str, Any]) -> None:
    """Admins may change any resource but an owner's; a resource may change its own profile only."""
    if actor.role == "owner":
        return
    if is_admin(actor.role):
        if resource["role"] == "owner" or changes.get("role") == "owner":
            raise forbidden("Only an owner may change an owner's resource or grant the owner role.", "owner")
        return
    if actor.resource_id != resource["id"]:
        raise forbidden("Only an owner or admin may change another resource.", "admin")
    locked = sorted(set(changes) - SELF_EDITABLE_RESOURCE_FIELDS)
    if locked:
        raise forbidden(f"Only an owner or admin may change {', '.join(locked)} of a resource.", "admin")


def check_may_manage_keys_of(actor: Actor, resource_id: str) -> None:
    """Anyone lists and revokes its own keys and connected apps (a viewer too); owners and admins everyone's."""
    if actor.resource_id != resource_id and not is_admin(actor.role):
        raise forbidden("Only an owner or admin may manage another resource's API keys and connected apps.", "admin")


def check_may_mint_key_for(actor: Actor, resource: Mapping[str, Any]) -> None:
    """A key acts with its resource's role, so minting one never lifts the caller above its own:
    a member mints keys for itself only, an admin for anyone but an owner, an owner for anyone.
    (A viewer mints none: the registry's role table stops it before this.) An app signed in with
    OAuth mints none at all: a key would outlive the grant (revoking it, or the person's
    deactivation, would leave the key working) and act with the person's whole role, not the grant's."""
    if actor.key_id.startswith(GRANT_PREFIX):
        raise forbidden("An app signed in with OAuth may not create API keys: a key would outlive the app's grant. "
                        "Create keys on the board's Keys page or with: worktrail key create")  # fmt: skip
    if actor.role == "owner" or actor.resource_id == resource["id"]:
        return
    if not is_admin(actor.role):
        raise forbidden("Only an owner or admin may create API keys for another resource; a member only for itself.", "admin")
    if resource["role"] == "owner":
        raise forbidden("Only an owner may create API keys for an owner: a key acts with its resource's role.", "owner")



def check_may_delete(actor: Actor, entity: Mapping[str, Any], kind: str) -> None:
    """Deleting needs an owner or admin, or the resource that created the entity (`created_by`)."""
    creator = entity.get("created_by")
    if is_admin(actor.role) or (creator is not None and actor.resource_id == creator):
        return
    article = "an" if kind[:1] in "aeiou" else "a"
    raise forbidden(f"Deleting {article} {kind} needs an owner or admin, or its creator.", "admin")
