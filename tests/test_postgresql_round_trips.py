"""How many round trips a call makes to PostgreSQL, counted by the driver (asyncpg's query logger:
one logged query is one round trip; a statement's preparation, once per connection, is not
counted, so each case runs once before it is counted). On this machine each round trip wakes a
sleeping server process, 0.1-0.4 ms (benchmarks/README.md, "PostgreSQL round trips").

A task update is four: BEGIN with the write lock and the session key's re-check, the task, the
compare-and-set with its change record, COMMIT. A read begins with the key's re-check too; a
search alone is three: that BEGIN, one statement, COMMIT."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import POSTGRESQL, Agent, connect, make_resource
from worktrail.domain.clock import SystemClock, format_ts
from worktrail.store.audit import Origin
from worktrail.store.locator import locate
from worktrail.store.postgresql.database import PostgresqlDatabase
from worktrail.store.store import Store

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.store,
    pytest.mark.skipif(not POSTGRESQL, reason="needs a PostgreSQL server: set WORKTRAIL_TEST_POSTGRESQL"),
]


@pytest.fixture
async def one_connection(ledger: str) -> AsyncIterator[tuple[Store, list[str]]]:
    """A store whose pool is one connection, and the list each query it sends is appended to."""
    db = await PostgresqlDatabase(locate(ledger), pool_size=1).open()
    sent: list[str] = []
    async with db._require().acquire() as raw:
        raw.add_query_logger(lambda logged: sent.append(logged.query))
    yield Store(db), sent
    await db.close()


async def _counted(sent: list[str], agent: Agent, tool: str, arguments: dict[str, Any]) -> list[str]:
    """The queries one call sent (the logger is called soon after each query: let it run)."""
    await asyncio.sleep(0)
    before = len(sent)
    await agent.ok(tool, arguments)
    await asyncio.sleep(0)
    return sent[before:]


async def _update_twice_counted(store: Store, sent: list[str], api_key: str) -> list[str]:
    async with connect(store, api_key) as agent:
        task = await agent.ok("ts.tsk.create", {"title": "counted"})
        await agent.ok("ts.tsk.update", {"id": task["id"], "status": "active"})  # its statements prepared
        return await _counted(sent, agent, "ts.tsk.update", {"id": task["id"], "status": "planned"})


async def test_a_task_update_is_four_round_trips(one_connection: tuple[Store, list[str]]) -> None:
    store, sent = one_connection
    _, _, api_key = await store.keys.bootstrap_owner(Origin(None, "test", format_ts(SystemClock().now())), "owner")
    queries = await _update_twice_counted(store, sent, api_key)
    assert len(queries) == 4, queries
    assert queries[0].startswith("BEGIN;") and "key_as_known" in queries[0], "the key is re-checked with BEGIN and the lock"
    assert "UPDATE task" in queries[2] and "INSERT INTO change_record" in queries[2], "one statement moves and records"
    assert queries[3] == "COMMIT"


async def test_a_name_with_quotes_and_dollars_is_rechecked_in_the_same_round_trip(
    one_connection: tuple[Store, list[str]],
) -> None:
    """The re-check is written into the statement that begins the write, without parameters: a
    name is carried as hex, so no name can end its quoting (and a name that could is still
    matched, not refused)."""
    store, sent = one_connection
    _, _, owner_key = await store.keys.bootstrap_owner(Origin(None, "test", format_ts(SystemClock().now())), "owner")
    async with connect(store, owner_key) as owner:
        _, api_key = await make_resource(owner, "member", "Zoë O'Brien $$'); END$$; --")
    queries = await _update_twice_counted(store, sent, api_key)
    assert len(queries) == 4, queries
    assert "O'Brien" not in queries[0] and "Zoë" not in queries[0]


async def test_a_renamed_resources_session_is_checked_in_full_and_sees_its_new_name(
    one_connection: tuple[Store, list[str]],
) -> None:
    """When the key is not as the session knows it, the write begins again and the full check
    takes the change in (the call runs once more as the resource now stands) or refuses the call."""
    store, _ = one_connection
    _, _, owner_key = await store.keys.bootstrap_owner(Origin(None, "test", format_ts(SystemClock().now())), "owner")
    async with connect(store, owner_key) as owner:
        member_id, api_key = await make_resource(owner, "member", "before")
        async with connect(store, api_key) as member:
            task = await member.ok("ts.tsk.create", {"title": "mine"})
            await owner.ok("ts.res.update", {"id": member_id, "name": "after"})
            await member.ok("ts.tsk.update", {"id": task["id"], "status": "active"})  # taken in, run once more
            assert member.session.actor is not None and member.session.actor.name == "after"
            await owner.ok("ts.res.update", {"id": member_id, "status": "inactive"})
            expired = await member.err("ts.tsk.update", {"id": task["id"], "status": "planned"})
            assert expired["code"] == "session_expired"
        assert (await owner.ok("ts.tsk.get", {"id": task["id"]}))["status"] == "active"


async def _read_twice_counted(store: Store, sent: list[str], api_key: str, arguments: dict[str, Any]) -> list[str]:
    async with connect(store, api_key) as agent:
        await agent.ok("ts.tsk.create", {"title": "Plan the counted week"})
        await agent.ok("ts.tsk.list", arguments)  # its statements prepared
        return await _counted(sent, agent, "ts.tsk.list", arguments)


async def test_a_search_alone_is_three_round_trips(one_connection: tuple[Store, list[str]]) -> None:
    """BEGIN with the key's re-check and plans made for the words (postgresql/search.py), one
    statement that counts the matches and reads the page, COMMIT. It was six: BEGIN, the key, the
    words made a tsquery, the matches, the page, COMMIT."""
    store, sent = one_connection
    _, _, api_key = await store.keys.bootstrap_owner(Origin(None, "test", format_ts(SystemClock().now())), "owner")
    queries = await _read_twice_counted(store, sent, api_key, {"search": "plan"})
    assert len(queries) == 3, queries
    assert queries[0].startswith("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;"), queries
    assert "plan_cache_mode = force_custom_plan" in queries[0] and "key_as_known" in queries[0], queries
    assert "task_text" in queries[1] and queries[2] == "COMMIT", queries


async def test_a_list_reads_the_key_again_in_the_round_trip_that_begins_it(
    one_connection: tuple[Store, list[str]],
) -> None:
    """Every read begins with the session key's re-check (key_check.py), as a write does; its plans
    stay the ones PostgreSQL keeps (only a search asks for plans made for its values)."""
    store, sent = one_connection
    _, _, api_key = await store.keys.bootstrap_owner(Origin(None, "test", format_ts(SystemClock().now())), "owner")
    queries = await _read_twice_counted(store, sent, api_key, {"status": ["planned"]})
    assert len(queries) == 4, queries  # BEGIN and the key, the count, the page, COMMIT
    assert "key_as_known" in queries[0] and "plan_cache_mode" not in queries[0], queries
