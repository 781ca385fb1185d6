"""ts.key.*: API keys for yourself, or for anyone if you are an owner or admin."""

from __future__ import annotations

from pydantic import Field

from worktrail.domain.errors import invalid_field, not_found
from worktrail.domain.ids import API_KEY_PREFIX
from worktrail.domain.oauth_tokens import GRANT_PREFIX
from worktrail.domain.permissions import check_may_manage_keys_of
from worktrail.domain.roles import is_admin
from worktrail.tools.context import Call
from worktrail.tools.declaration import tool
from worktrail.tools.params import Id, IdParams, ListParams, Name, Params
from worktrail.tools.results import Result


class KeyCreate(Params):
    resource_id: Id = Field(None, description="Whose key (default: yourself; another resource needs owner or admin).")
    name: Name = Field(None, description="A label to tell keys apart, such as the machine or agent using it.")


class KeyRevoke(IdParams):
    with_descendants: bool = Field(
        False, description="Also revoke every key minted through this one, and through those (a leaked key's brood)."
    )


class KeyList(ListParams):
    resource_id: Id = Field(None, description="Only this resource's keys and apps (default: yours; owners and admins see all).")


class NewKey(Result):
    id: str = Field(description="Key ID (use it to revoke the key).")
    api_key: str = Field(description="The key itself. Shown only now: it is stored hashed and cannot be shown again.")
    resource_id: str = Field(description="The resource the key logs in as.")
    name: str = Field(description="The key's label.")
    created_at: str = Field(description="When the key was created.")


class KeyInfo(Result):
    id: str
    resource_id: str
    name: str
    created_at: str
    created_by: str | None = None
    created_by_key: str | None = None
    last_used_at: str | None = None
    revoked_at: str | None = None


class RevokedKey(KeyInfo):
    already_revoked: bool = Field(description="True when the key was revoked before this call (nothing changed).")
    revoked_descendants: list[str] | None = Field(
        None, description="With with_descendants: the keys this call revoked."
    )


class AppGrant(Result):
    id: str = Field(description="The grant's id (ogr_...): ts.key.revoke ends it.")
    resource_id: str = Field(description="The person the app acts as.")
    client_id: str = Field(description="The app (OAuth client).")
    client_name: str | None = Field(None, description="The app's name, as it registered or as its metadata says "
                                    "(without control or format characters, at most 80).")
    verified: bool = Field(False, description="Whether the app is known by its metadata document (fetched from "
                           "client_host); false: it registered itself here, under any name it chose.")
    client_host: str | None = Field(None, description="The metadata document's host (verified), or the host its "
                                    "first redirect URI returns to (unverified).")
    scope: str = Field(description="The access approved: ledger:read, ledger:write or ledger:admin.")
    created_at: str = Field(description="When the person approved it.")
    last_used_at: str | None = Field(None, description="When the app last called a tool with it.")


class KeyPage(Result):
    keys: list[KeyInfo]
    total: int
    limit: int
    offset: int
    apps: list[AppGrant] = Field(
        description="Connected apps: the standing OAuth grants of the same resources (every one, whatever the page)."
    )


@tool(
    "ts.key.create",
    params=KeyCreate,
    result=NewKey,
    toolset="admin",
    replayable=False,
    min_role="member",
    summary="Create an API key (shown once).",
    description="A key acts with its resource's role: members create keys for themselves, admins for any "
    "active resource but an owner, owners for any. The new key names the key that created it (created_by_key), "
    "so revoking this session's key with_descendants also revokes it. Viewers create no keys.",
)
async def create_key(call: Call, p: KeyCreate) -> NewKey:
    resource_id = p.resource_id or call.me.resource_id
    row, api_key = await call.store.keys.create(call.origin(), call.me, resource_id, p.name or "api key")
    return NewKey(api_key=api_key, **{k: row[k] for k in ("id", "resource_id", "name", "created_at")})


@tool(
    "ts.key.list",
    params=KeyList,
    result=KeyPage,
    toolset="admin",
    summary="List API keys (never the keys themselves) and connected apps (OAuth grants).",
)
async def list_keys(call: Call, p: KeyList) -> KeyPage:
    rows, total = await call.store.keys.list(call.me, p.resource_id, p.limit, p.offset)
    whose = p.resource_id or (None if is_admin(call.me.role) else call.me.resource_id)  # checked by keys.list
    apps = [AppGrant(**{k: g[k] for k in AppGrant.model_fields}) for g in await call.store.oauth_grants.list(whose)]
    return KeyPage(keys=[KeyInfo(**r) for r in rows], total=total, limit=p.limit, offset=p.offset, apps=apps)


@tool(
    "ts.key.revoke",
    params=KeyRevoke,
    result=RevokedKey,
    toolset="admin",
    summary="Revoke an API key: sessions logged in with it answer session_expired from their next call.",
    description="Your own keys, or anyone's if you are an owner or admin; with_descendants also every key "
    "minted through it. Revoking a revoked key changes nothing and says so (already_revoked). An app's OAuth "
    "grant (id ogr_...) is revoked the same way: every token of it is refused from the next request.",
)
async def revoke_key(call: Call, p: KeyRevoke) -> RevokedKey:
    if p.id.startswith(GRANT_PREFIX):
        return await _revoke_grant(call, p.id)
    if p.id.startswith(API_KEY_PREFIX):
        raise invalid_field("id", "is an API key itself, not a key's id", "Send the key's id (ts.key.list shows it).")
    return RevokedKey(**await call.store.keys.revoke(call.origin(), call.me, p.id, p.with_descendants))


async def _revoke_grant(call: Call, grant_id: str) -> RevokedKey:
    """An app's OAuth grant, revoked as a key is: every token of it is refused from the next request."""
    grant = await call.store.oauth_grants.get(grant_id)
    if grant is None:
        raise not_found("OAuth grant", grant_id)
    check_may_manage_keys_of(call.me, grant["resource_id"])
    changed = await call.store.oauth_grants.revoke(call.origin(), grant_id)
    after = await call.store.oauth_grants.get(grant_id) or grant
    return RevokedKey(id=grant_id, resource_id=grant["resource_id"], name=grant["client_name"] or grant["client_id"],
                      created_at=grant["created_at"], last_used_at=grant["last_used_at"], revoked_at=after["revoked_at"],
                      already_revoked=not changed)  # fmt: skip


TOOLS = (create_key, list_keys, revoke_key)
