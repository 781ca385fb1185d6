"""The per-call path, made cheaper (issue 30): what it skips or keeps from one call to the next
must never change an answer."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Coroutine
from typing import Any

import pytest
from pydantic import BaseModel

from worktrail.cli.opening import Opening
from worktrail.domain.clock import SystemClock, format_ts
from worktrail.store.audit import Origin
from worktrail.store.connection import Connection
from worktrail.store.rows import insert
from worktrail.store.store import Store
from worktrail.tools.answers import Outcome
from worktrail.tools.catalog import ALL_TOOLS
from worktrail.tools.context import Call, Session
from worktrail.tools.declaration import tool
from worktrail.tools.params import NoParams
from worktrail.tools.registry import Registry

pytestmark = pytest.mark.anyio


class Said(BaseModel):
    said: str


@tool("ts.test.say", params=NoParams, result=Said, toolset="core", needs_login=False, summary="Says hello.")
async def say(call: Call, p: NoParams) -> Said:
    return Said(said="hello")


def _at_once(coroutine: Coroutine[Any, Any, Outcome]) -> Outcome:
    """The coroutine's answer, if it gives it without suspending once; else the test fails."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    pytest.fail("the call suspended: it went round the event loop before answering")


async def test_a_call_once_the_ledger_is_open_answers_without_a_trip_round_the_event_loop(store: Store) -> None:
    opening = Opening((*ALL_TOOLS, say))
    opening.opened(Registry((*ALL_TOOLS, say), store))
    outcome = _at_once(opening.call("ts.test.say", {}, Session()))
    assert outcome.payload == {"said": "hello"} and not outcome.is_error


async def test_a_call_before_the_ledger_is_open_waits_for_it(store: Store) -> None:
    import anyio

    opening = Opening((*ALL_TOOLS, say))
    answers: list[Outcome] = []

    async def call() -> None:
        answers.append(await opening.call("ts.test.say", {}, Session()))

    async with anyio.create_task_group() as tg:
        tg.start_soon(call)
        await anyio.wait_all_tasks_blocked()
        assert not answers and opening.begun.is_set()  # waiting, and it asked for the opening to begin
        opening.opened(Registry((*ALL_TOOLS, say), store))
    assert answers[0].payload == {"said": "hello"}


def test_each_tool_answers_for_itself_whether_it_only_reads_once_asked_before() -> None:
    update = next(t for t in ALL_TOOLS if t.name == "ts.tsk.update")
    assert not update.read_only and update.takes_idempotency_key  # asked (and kept) once
    listing = dataclasses.replace(update, name="ts.tsk.list")
    assert listing.read_only and not listing.takes_idempotency_key
    assert not update.read_only and update.takes_idempotency_key
    unreplayable = dataclasses.replace(update, replayable=False)
    assert not unreplayable.takes_idempotency_key and not unreplayable.read_only


@pytest.mark.parametrize("column", ["role) VALUES ('owner') --", "role\n"])
async def test_a_name_that_is_no_column_is_refused_every_time_after_good_ones_were_taken(store: Store, column: str) -> None:
    origin = Origin(None, "test", format_ts(SystemClock().now()))
    await store.resources.create(origin, {"type": "agent", "name": "first", "role": "member"})  # good names taken

    async def bad(conn: Connection) -> None:
        await insert(conn, "resource", {"name": "x", column: "y"})

    for _ in range(2):  # the second time too: a refused name is never remembered as a good one
        with pytest.raises(ValueError, match="not a column name"):
            await store.db.write(bad)


@pytest.mark.parametrize("value", [{"status": ["planned", "active"]}, {"title": ["Grüße", "日本 \u2028"]},
                                   [1.5, float("inf"), None, True], {"nested": {"a": [{}, []]}}, "plain"])  # fmt: skip
def test_a_json_column_is_written_as_compact_json_dumps_writes_it_each_time(value: Any) -> None:
    from worktrail.store.rows import to_json

    for _ in range(2):  # one encoder serves every call: nothing of one value stays for the next
        assert to_json(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False)
