"""How many round trips a call makes to PostgreSQL, counted by the driver (asyncpg's query logger:
one logged query is one round trip; a statement's preparation, once per connection, is not
counted, so each case runs once before it is counted). On this machine each round trip wakes a
sleeping server process, 0.1-0.4 ms (benchmarks/README.md, "PostgreSQL round trips").

A task update is two: the task, read before any transaction, then one call of the task's update
function, which takes the write lock, re-checks the session's key, compares and sets the task as
read and writes its change record, in its own transaction (postgresql/read_first.py). A task in an
endeavour reads that too, under the lock: BEGIN with the lock and the key's re-check comes first,
and COMMIT after the function. A read begins with the key's re-check too; a search alone is
three: that BEGIN, one statement, COMMIT."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.conftest import POSTGRESQL, Agent, connect, make_resource
from worktrail.domain.clock import SystemClock, format_ts
from worktrail.store.audit import Origin
from worktrail.store.store import Store

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.store,
    pytest.mark.skipif(not POSTGRESQL, reason="needs a PostgreSQL server: set WORKTRAIL_TEST_POSTGRESQL"),
]


async def _counted(sent: list[str], agent: Agent, tool: str, arguments: dict[str, Any]) -> list[str]:
    """The queries one call sent (the logger is called soon after each query: let it run)."""
    await asyncio.sleep(0)
    before = len(sent)
    await agent.ok(tool, arguments)
    await asyncio.sleep(0)
    return sent[before:]


async def _update_twice_counted(store: Store, sent: list[str], api_key: str) -> tuple[list[str], list[str]]:
    """The queries of the first update of a task by this process, and of its next."""
    async with connect(store, api_key) as agent:
        first, task = [await agent.ok("ts.tsk.create", {"title": "counted"}) for _ in range(2)]
        await agent.ok("ts.tsk.update", {"id": first["id"], "status": "active"})  # its statements prepared
        read = await _counted(sent, agent, "ts.tsk.update", {"id": task["id"], "status": "active"})
        return read, await _counted(sent, agent, "ts.tsk.update", {"id": task["id"], "status": "planned"})


async def test_a_task_update_is_two_round_trips(one_connection: tuple[Store, list[str]]) -> None:
    store, sent = one_connection
    _, _, api_key = await store.keys.bootstrap_owner(Origin(None, "test", format_ts(SystemClock().now())), "owner")
    queries, again = await _update_twice_counted(store, sent, api_key)
    assert len(queries) == 2, queries
    assert queries[0].startswith("SELECT xmin::text") and "FROM task WHERE id = $1" in queries[0], "read first"
    assert queries[1].startswith("SELECT * FROM worktrail_update_task($1, "), "then one parameterised call writes it"
    assert again == [queries[1]], "updated again by this process: decided on the row it wrote, one round trip"


async def test_a_ritual_runs_update_is_two_round_trips_then_one(one_connection: tuple[Store, list[str]]) -> None:
    store, sent = one_connection
    _, _, api_key = await store.keys.bootstrap_owner(Origin(None, "test", format_ts(SystemClock().now())), "owner")
    async with connect(store, api_key) as agent:
        ritual = await agent.ok("ts.rtl.create", {"name": "counted", "prompt": "Count."})
        first, run = [await agent.ok("ts.rtr.create", {"ritual_id": ritual["id"]}) for _ in range(2)]
        await agent.ok("ts.rtr.update", {"id": first["id"], "result_summary": "prepared"})  # its statements prepared
        read = await _counted(sent, agent, "ts.rtr.update", {"id": run["id"], "result_summary": "one"})
        again = await _counted(sent, agent, "ts.rtr.update", {"id": run["id"], "effects": {"steps": 2}})
        done = await _counted(sent, agent, "ts.rtr.update", {"id": run["id"], "status": "succeeded"})
        shown = await agent.ok("ts.rtr.get", {"id": run["id"]})
    assert len(read) == 2 and read[1].startswith("SELECT * FROM worktrail_update_ritual_run("), read
    assert len(again) == 1 and len(done) == 1, (again, done)
    assert (shown["status"], shown["result_summary"], shown["effects"]) == ("succeeded", "one", {"steps": 2})
    assert shown["finished_at"] is not None and shown["version"] == 4


async def test_a_task_in_an_endeavour_reads_it_under_the_lock_and_writes_with_the_function(
    one_connection: tuple[Store, list[str]],
) -> None:
    store, sent = one_connection
    _, _, api_key = await store.keys.bootstrap_owner(Origin(None, "test", format_ts(SystemClock().now())), "owner")
    async with connect(store, api_key) as agent:
        endeavour = await agent.ok("ts.edv.create", {"name": "home"})
        task = await agent.ok("ts.tsk.create", {"title": "in it", "endeavour_id": endeavour["id"]})
        await agent.ok("ts.tsk.update", {"id": task["id"], "status": "active"})  # its statements prepared
        queries = await _counted(sent, agent, "ts.tsk.update", {"id": task["id"], "status": "planned"})
    assert len(queries) == 4, queries  # the task as this process wrote it; BEGIN, the endeavour, the write, COMMIT
    assert queries[0].startswith("BEGIN;") and "key_as_known" in queries[0] and "FROM endeavour" in queries[1]
    assert queries[2].startswith("SELECT * FROM worktrail_update_task(") and queries[3] == "COMMIT"
    assert (await store.tasks.get(task["id"]))["status"] == "planned"



async def test_a_name_with_quotes_and_dollars_is_rechecked_in_the_same_round_trip(
    one_connection: tuple[Store, list[str]],
) -> None:
    """The re-check rides in the write's one statement, its values parameters (in a write that
    begins with BEGIN, written into it with the name as hex): no name can end a quoting, and a
    name that could is still matched, not refused."""
    store, sent = one_connection
    _, _, owner_key = await store.keys.bootstrap_owner(Origin(None, "test", format_ts(SystemClock().now())), "owner")
    async with connect(store, owner_key) as owner:
        _, api_key = await make_resource(owner, "member", "Zoë O'Brien $$'); END$$; --")
    queries, again = await _update_twice_counted(store, sent, api_key)
    assert (len(queries), len(again)) == (2, 1), (queries, again)
    assert not any("O'Brien" in query or "Zoë" in query for query in queries + again)


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
