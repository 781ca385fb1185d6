"""The ledger's OAuth records (issue 29), on either store: a code becomes a grant once, and used
again revokes it; codes live 60 s and access tokens an hour; refresh tokens rotate, with a grace
for a second use at once and a revoked grant for a replay later; a grant acts within its person's
role as it stands; codes, tokens and secrets are kept only hashed; unused registrations go."""

from __future__ import annotations

from datetime import datetime, timedelta

import anyio
import pytest

from tests.conftest import everything, execute, scalar
from worktrail.domain.clock import SystemClock, format_ts
from worktrail.domain.scopes import acting_role, cap, choices
from worktrail.store.audit import Origin
from worktrail.store.oauth.grants import grant_actor
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio

AUDIENCE = "http://127.0.0.1:8765/mcp"
REDIRECT = "http://127.0.0.1:33418/callback"


async def _owner(store: Store) -> str:
    return str(await scalar(store, "SELECT id FROM resource WHERE role = 'owner'"))


async def _client(store: Store, at: datetime) -> str:
    return await store.oauth_clients.register({"client_name": "Claude", "redirect_uris": [REDIRECT]}, at)


async def _code(store: Store, at: datetime, scope: str = "ledger:write") -> tuple[str, str]:
    client = await _client(store, at)
    code = await store.oauth_grants.issue_code(client, await _owner(store), scope, AUDIENCE, "challenge", REDIRECT,
                                               True, at)  # fmt: skip
    return client, code


async def test_a_code_becomes_a_grant_once_and_used_again_revokes_it(store: Store, owner_key: str) -> None:
    now = SystemClock().now()
    client, code = await _code(store, now)
    found = await store.oauth_grants.code(code, client, now)
    assert found is not None and found["code_challenge"] == "challenge" and found["redirect_uri"] == REDIRECT
    assert await store.oauth_grants.code(code, "ocl_someone_else", now) is None, "another client's code is no code"
    issued = await store.oauth_grants.redeem(code, client, now)
    assert issued is not None and issued.expires_in == 3600 and issued.grant["scope"] == "ledger:write"
    bearer = await store.oauth_grants.bearer(issued.access_token, now, now)
    assert bearer is not None and bearer.actor.role == "member" and bearer.client_name == "Claude"
    assert bearer.actor.key_id == issued.grant["id"] and bearer.audience == AUDIENCE
    assert await store.oauth_grants.redeem(code, client, now) is None, "single use"
    assert await store.oauth_grants.code(code, client, now) is None
    assert await store.oauth_grants.bearer(issued.access_token, now, now) is None, "the replay revoked the grant"
    assert await store.oauth_grants.list() == []


async def test_two_redemptions_of_one_code_at_once_make_one_grant_and_the_loser_revokes_it(store: Store, owner_key: str) -> None:
    now = SystemClock().now()
    client, code = await _code(store, now)
    answers: list[object] = []

    async def redeem() -> None:
        answers.append(await store.oauth_grants.redeem(code, client, now))

    async with anyio.create_task_group() as both:
        both.start_soon(redeem)
        both.start_soon(redeem)
    won = [a for a in answers if a is not None]
    assert len(won) == 1 and answers.count(None) == 1, answers
    assert await store.oauth_grants.bearer(won[0].access_token, now, now) is None, "the code was used twice: revoked"  # type: ignore[attr-defined]
    assert await store.oauth_grants.list() == []
    assert await store.oauth_grants.was_used(code, client) and not await store.oauth_grants.was_used(code, "ocl_other")


async def test_a_code_is_good_for_60_seconds(store: Store, owner_key: str) -> None:
    now = SystemClock().now()
    client, code = await _code(store, now)
    late = now + timedelta(seconds=61)
    assert await store.oauth_grants.code(code, client, late) is None
    assert await store.oauth_grants.redeem(code, client, late) is None
    assert await store.oauth_grants.redeem(code, client, now + timedelta(seconds=59)) is not None


async def test_an_access_token_lives_an_hour(store: Store, owner_key: str) -> None:
    now = SystemClock().now()
    client, code = await _code(store, now)
    issued = await store.oauth_grants.redeem(code, client, now)
    assert issued is not None
    assert await store.oauth_grants.bearer(issued.access_token, now + timedelta(minutes=59), now) is not None
    assert await store.oauth_grants.bearer(issued.access_token, now + timedelta(minutes=61), now) is None
    assert await store.oauth_grants.bearer(issued.refresh_token, now, now) is None, "a refresh token is no access token"


async def test_a_refresh_rotates_is_honoured_again_within_30s_and_a_later_replay_revokes_the_grant(
    store: Store, owner_key: str
) -> None:
    now = SystemClock().now()
    client, code = await _code(store, now)
    first = await store.oauth_grants.redeem(code, client, now)
    assert first is not None
    assert await store.oauth_grants.refresh(first.refresh_token, "ocl_someone_else", now) is None
    second = await store.oauth_grants.refresh(first.refresh_token, client, now)
    assert second is not None and second.refresh_token != first.refresh_token
    again = await store.oauth_grants.refresh(first.refresh_token, client, now + timedelta(seconds=25))
    assert again is not None, "two sessions of one client refreshing at once both get a working pair"
    assert await store.oauth_grants.bearer(again.access_token, now, now) is not None
    assert await store.oauth_grants.refresh(first.refresh_token, client, now + timedelta(seconds=31)) is None
    for token in (first.access_token, second.access_token, again.access_token):
        assert await store.oauth_grants.bearer(token, now, now) is None, "the replay revoked the whole grant"
    assert await store.oauth_grants.refresh(second.refresh_token, client, now) is None
    assert await store.oauth_grants.refresh_grant(second.refresh_token, client) is None


async def test_a_grant_acts_within_its_persons_role_as_it_stands_and_ends_with_them(
    store: Store, owner_key: str
) -> None:
    now = SystemClock().now()
    client, code = await _code(store, now, scope="ledger:admin")
    issued = await store.oauth_grants.redeem(code, client, now)
    assert issued is not None
    owner = await _owner(store)
    assert (await store.oauth_grants.bearer(issued.access_token, now, now)).actor.role == "admin"  # type: ignore[union-attr]
    await execute(store, "UPDATE resource SET role = 'viewer' WHERE id = ?", owner)
    assert (await store.oauth_grants.bearer(issued.access_token, now, now)).actor.role == "viewer"  # type: ignore[union-attr]
    await execute(store, "UPDATE resource SET status = 'inactive' WHERE id = ?", owner)
    assert await store.oauth_grants.bearer(issued.access_token, now, now) is None
    assert await store.oauth_grants.refresh(issued.refresh_token, client, now) is None


async def test_revoking_a_token_ends_every_token_of_its_grant(store: Store, owner_key: str) -> None:
    now = SystemClock().now()
    client, code = await _code(store, now)
    issued = await store.oauth_grants.redeem(code, client, now)
    assert issued is not None
    [listed] = await store.oauth_grants.list(await _owner(store))
    assert listed["client_name"] == "Claude" and listed["id"] == issued.grant["id"]
    await store.oauth_grants.revoke_token("wtr_not_a_token", now)  # RFC 7009: no error for an unknown token
    await store.oauth_grants.revoke_token(issued.refresh_token, now)
    assert await store.oauth_grants.bearer(issued.access_token, now, now) is None
    assert await store.oauth_grants.list() == [] and not await store.oauth_grants.revoke(Origin(None, "test", format_ts(now)), issued.grant["id"])


async def test_codes_tokens_and_client_secrets_are_kept_only_hashed(store: Store, owner_key: str) -> None:
    now = SystemClock().now()
    client = await store.oauth_clients.register({"client_name": "c", "redirect_uris": [REDIRECT]}, now, "s3cretvalue")
    code = await store.oauth_grants.issue_code(client, await _owner(store), "ledger:read", AUDIENCE, "x", REDIRECT,
                                               False, now)  # fmt: skip
    issued = await store.oauth_grants.redeem(code, client, now)
    assert issued is not None
    dump = await everything(store)
    for secret in (code, issued.access_token, issued.refresh_token, "s3cretvalue"):
        assert secret not in dump
    assert await store.oauth_clients.secret_matches(client, "s3cretvalue")
    assert not await store.oauth_clients.secret_matches(client, "s3cretvaluf")


async def test_a_registration_unused_for_a_day_is_removed_and_a_used_one_kept(store: Store, owner_key: str) -> None:
    now = SystemClock().now()
    unused = await _client(store, now)
    used, code = await _code(store, now)
    assert await store.oauth_grants.redeem(code, used, now) is not None
    assert await store.oauth_clients.registered_since("203.0.113.9", now - timedelta(hours=1)) == 0
    assert await store.oauth_clients.forget_unused(now - timedelta(hours=1)) == 0, "younger than a day"
    assert await store.oauth_clients.forget_unused(now + timedelta(days=1, seconds=1)) == 1
    assert await store.oauth_clients.get(unused) is None
    found = await store.oauth_clients.get(used)
    assert found is not None and found["metadata"]["redirect_uris"] == [REDIRECT] and found["kind"] == "registered"


async def test_a_metadata_document_client_is_known_by_its_url_and_refetched_in_place(store: Store) -> None:
    url = "https://claude.ai/oauth/mcp-oauth-client-metadata"
    now = SystemClock().now()
    await store.oauth_clients.remember_document(url, {"client_id": url, "client_name": "Claude"}, now)
    await store.oauth_clients.remember_document(url, {"client_id": url, "client_name": "Claude (new)"}, now)
    found = await store.oauth_clients.get(url)
    assert found is not None and found["kind"] == "document" and found["name"] == "Claude (new)"


async def test_a_metadata_document_no_grant_names_is_removed_a_day_after_its_copy_went_stale(
    store: Store, owner_key: str
) -> None:
    now = SystemClock().now()
    unused, used = "https://a.example/client.json", "https://b.example/client.json"
    for url in (unused, used):
        await store.oauth_clients.remember_document(url, {"client_id": url, "redirect_uris": [REDIRECT]}, now,
                                                    now + timedelta(hours=1))  # fmt: skip
    await store.oauth_grants.issue_code(used, await _owner(store), "ledger:read", AUDIENCE, "x", REDIRECT, False, now)
    assert (await store.oauth_clients.get(unused))["fresh_until"] is not None  # type: ignore[index]
    assert await store.oauth_clients.forget_unused(now) == 0, "still fresh"
    assert await store.oauth_clients.forget_unused(now + timedelta(hours=1, seconds=1)) == 1
    assert await store.oauth_clients.get(unused) is None and await store.oauth_clients.get(used) is not None


@pytest.mark.parametrize(
    ("asked", "role", "granted"),
    [(None, "owner", "ledger:write"), ("ledger:admin", "owner", "ledger:admin"), ("ledger:admin", "member", "ledger:write"),
     ("ledger:write", "viewer", "ledger:read"), ("ledger:read ledger:write", "admin", "ledger:write"),
     ("openid ledger:read", "member", "ledger:read")],
)  # fmt: skip
def test_a_grant_never_exceeds_the_persons_role(asked: str | None, role: str, granted: str) -> None:
    assert cap(asked, role) == granted
    assert acting_role(granted, role) == {"ledger:read": "viewer", "ledger:write": "member", "ledger:admin": "admin"}[granted]


@pytest.mark.parametrize(
    ("asked", "role", "offered", "first"),
    [("ledger:read ledger:write ledger:admin", "owner", ("ledger:read", "ledger:write", "ledger:admin"), "ledger:write"),
     ("ledger:read ledger:write ledger:admin", "member", ("ledger:read", "ledger:write"), "ledger:write"),
     ("ledger:read ledger:write ledger:admin", "viewer", ("ledger:read",), "ledger:read"),
     ("ledger:admin", "admin", ("ledger:read", "ledger:write", "ledger:admin"), "ledger:admin"),
     ("ledger:read", "owner", ("ledger:read",), "ledger:read"), (None, "owner", ("ledger:read", "ledger:write"), "ledger:write"),
     ("openid", "member", ("ledger:read", "ledger:write"), "ledger:write"),
     ("ledger:write ledger:admin", "owner", ("ledger:read", "ledger:write", "ledger:admin"), "ledger:admin")],
)  # fmt: skip
def test_the_consent_offers_scopes_up_to_what_was_asked_and_the_role_and_write_first_when_every_one_was_asked(
    asked: str | None, role: str, offered: tuple[str, ...], first: str
) -> None:
    assert choices(asked, role) == (offered, first)


async def test_a_grant_acts_through_its_app_by_name_or_by_id_when_nameless(store: Store, owner_key: str) -> None:
    now = SystemClock().now()
    named, code = await _code(store, now)
    nameless = await store.oauth_clients.register({"redirect_uris": [REDIRECT]}, now)
    other = await store.oauth_grants.issue_code(nameless, await _owner(store), "ledger:read", AUDIENCE, "x", REDIRECT,
                                                False, now)  # fmt: skip
    for client, issued in ((named, await store.oauth_grants.redeem(code, named, now)),
                           (nameless, await store.oauth_grants.redeem(other, nameless, now))):  # fmt: skip
        assert issued is not None
        bearer = await store.oauth_grants.bearer(issued.access_token, now, now)
        assert bearer is not None and bearer.actor.via == ("Claude" if client == named else nameless)
        fresh = await store.db.read(lambda conn, grant_id=issued.grant["id"]: grant_actor(conn, grant_id))
        assert fresh == bearer.actor, "the registry's check on each call sees the actor the request came as"


async def test_an_apps_name_is_kept_without_control_or_format_characters_and_at_most_80(
    store: Store, owner_key: str
) -> None:
    at = SystemClock().now()
    spoof = await store.oauth_clients.register({"client_name": "Cl\u202eaude\u200b\x00\n(official)", "redirect_uris": [REDIRECT]}, at)
    long = await store.oauth_clients.register({"client_name": "A" * 200, "redirect_uris": [REDIRECT]}, at)
    url = "https://app.example/oauth/client.json"
    await store.oauth_clients.remember_document(url, {"client_name": "\u202eedualC", "redirect_uris": [REDIRECT]}, at)
    assert (await store.oauth_clients.get(spoof) or {})["name"] == "Claude (official)"
    assert (await store.oauth_clients.get(long) or {})["name"] == "A" * 80
    assert (await store.oauth_clients.get(url) or {})["name"] == "edualC"
    code = await store.oauth_grants.issue_code(spoof, await _owner(store), "ledger:read", AUDIENCE, "c", REDIRECT, True, at)
    issued = await store.oauth_grants.redeem(code, spoof, at)
    assert issued is not None
    bearer = await store.oauth_grants.bearer(issued.access_token, at, at)
    assert bearer is not None and bearer.actor.via == "Claude (official)", "what the audit's via names"
    [listed] = await store.oauth_grants.list()
    assert (listed["client_name"], listed["verified"], listed["client_host"]) == ("Claude (official)", False, "127.0.0.1")
