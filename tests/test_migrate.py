"""`worktrail migrate`: a whole ledger, every family, copied between stores and back with the same
counts and checksums; the copy goes on working (ids follow, search finds, keys log in); a
destination that is not empty is refused and left as it was."""

from __future__ import annotations

import base64
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import Agent, column, connect, postgresql_ledger
from tests.conftest import run_worktrail as worktrail
from tests.postgresql_schemas import POSTGRESQL
from tests.test_plans_and_events import planned
from worktrail.domain.clock import SystemClock, format_ts
from worktrail.domain.ids import new_uuid
from worktrail.domain.names import name_key
from worktrail.store import transfer
from worktrail.store.audit import Origin
from worktrail.store.store import Store

pytestmark = [pytest.mark.anyio, pytest.mark.processes]


async def fill(owner: Agent) -> str:
    """A row in every table of the ledger, through the tools."""
    edv = await owner.ok("ts.edv.create", {"name": "Docs"})
    task = await owner.ok("ts.tsk.create", {"title": "Café order", "idempotency_key": "k1"})
    ritual = await owner.ok("ts.rtl.create", {"name": "Daily", "prompt": "Check."})
    await owner.ok("ts.rtr.create", {"ritual_id": ritual["id"]})
    ref = await planned(owner)
    await owner.ok("ts.evt.log", {**ref, "type": "message", "summary": "hello"})
    flow = await owner.ok("ts.wfl.create", {"name": "w", "main_prompt": "p"})
    run = await owner.ok("ts.wrn.create", {"workflow_id": flow["id"], "sensitive_input_values": {"pw": "s3cret"}})
    file = {
        "run_id": run["id"],
        "filename": "a.bin",
        "kind": "input",
        "content_base64": base64.b64encode(b"\0\1\2").decode(),
    }
    await owner.ok("ts.att.create", file)
    await owner.ok("ts.exe.create", {"config_id": "c"})
    await owner.ok("ts.tsk.update", {"id": task["id"], "endeavour_id": edv["id"]})
    awaited = await owner.ok("ts.tsk.create", {"title": "first"})
    await owner.ok("ts.rel.create", {"relationship_type": "depends_on", "source_entity_type": "task",
                                     "source_entity_id": task["id"], "target_entity_type": "task",
                                     "target_entity_id": awaited["id"]})  # fmt: skip
    return str(task["id"])


def _cli(source: str, dest: str, *options: str) -> tuple[int, str, str]:
    done = worktrail("migrate", "--from", source, "--to", dest, *options)
    return done.returncode, done.stdout, done.stderr


async def _tallies(where: str) -> dict[str, transfer.Tally]:
    store = await Store.open(where, access="read_only")
    try:
        return await transfer.tally(store.db)
    finally:
        await store.close()


async def test_a_ledger_round_trips_with_the_same_counts_and_checksums(
    store: Store, owner: Agent, owner_key: str, ledger: str, tmp_path: Path
) -> None:
    async with AsyncExitStack() as stack:
        # Through the other store and back when PostgreSQL is at hand (PostgreSQL -> SQLite ->
        # PostgreSQL), else through a second SQLite file.
        on_postgresql = ledger.startswith("postgresql")
        back = await stack.enter_async_context(postgresql_ledger()) if on_postgresql else str(tmp_path / "back.db")
        await _round_trip(store, owner, owner_key, ledger, str(tmp_path / "middle.db"), back)


@pytest.mark.store
async def test_a_sqlite_ledger_round_trips_through_postgresql(tmp_path: Path) -> None:
    """SQLite -> PostgreSQL -> SQLite, the way a team moves its ledger to a server and back."""
    if not POSTGRESQL:
        pytest.skip("the suite's PostgreSQL run (WORKTRAIL_TEST_POSTGRESQL) has a server to copy through")
    home = str(tmp_path / "home.db")
    sqlite_store = await Store.open(home)
    try:
        _, _, key = await sqlite_store.keys.bootstrap_owner(Origin(None, "test", format_ts(SystemClock().now())), "o")
        async with postgresql_ledger() as middle, connect(sqlite_store, key) as owner:
            await _round_trip(sqlite_store, owner, key, home, middle, str(tmp_path / "back.db"))
    finally:
        await sqlite_store.close()


async def _round_trip(store: Store, owner: Agent, owner_key: str, ledger: str, middle: str, back: str) -> None:
    """Fill `ledger`, copy it to `middle` and on to `back`: the same counts and checksums, and a copy
    that goes on working."""
    task_id = await fill(owner)
    now = SystemClock().now()  # a board session opened through a one-time address: both rows
    ticket = await store.board_sessions.ticket(now, "http://127.0.0.1:8766")
    await store.board_sessions.redeem(ticket, now, timedelta(hours=1), "http://127.0.0.1:8766")
    client = await store.oauth_clients.register({"client_name": "Claude", "redirect_uris": ["https://claude.ai/cb"]}, now)
    owner_id = (await owner.ok("ts.auth.whoami"))["resource_id"]
    code = await store.oauth_grants.issue_code(client, owner_id, "ledger:write", "http://127.0.0.1:8765/mcp", "x",
                                               "https://claude.ai/cb", True, now)  # fmt: skip
    issued = await store.oauth_grants.redeem(code, client, now)  # a client, a code, a grant and its tokens
    assert issued is not None
    before = await transfer.tally(store.db)
    empty = [t for t, found in before.items() if found.rows == 0 and t != "instance"]
    assert empty == [], "every table of the ledger has a row to copy"
    there = _cli(ledger, middle)
    assert there[0] == 0, there[2]
    assert "every table has the same count and checksum" in there[1] and " NO" not in there[1]
    home = _cli(middle, back)
    assert home[0] == 0, home[2]
    after = await _tallies(back)
    assert {t: (f.rows, f.checksum) for t, f in after.items()} == {t: (f.rows, f.checksum) for t, f in before.items()}
    assert "s3cret" not in there[1] + there[2] + home[1] + home[2]
    copied = await Store.open(back)
    try:
        bearer = await copied.oauth_grants.bearer(issued.access_token, now, now)
        assert bearer is not None and bearer.actor.resource_id == owner_id, "an OAuth token works on the copy"
        owner_name = (await owner.ok("ts.res.get", {"id": owner_id}))["name"]
        assert await column(copied, "SELECT created_by FROM workflow_run") == [owner_id], "a run's creator came along"
        keys = "SELECT name_key FROM resource ORDER BY name_key"
        assert await column(copied, keys) == await column(store, keys) == [name_key(owner_name)], "names' keys too"
        async with connect(copied, owner_key) as agent:  # the owner's key logs in on the copy
            found = await agent.ok("ts.tsk.list", {"search": "cafe"})
            assert [t["title"] for t in found["tasks"]] == ["Café order"], "the copy's search index"
            fresh = await agent.ok("ts.tsk.create", {"title": "after the move"})
            titles = [t["title"] for t in (await agent.ok("ts.tsk.list", {}))["tasks"]]
            assert titles[0] == "after the move" and fresh["version"] == 1, (
                "new rows come after (newest first) the copied"
            )
            ref = await planned(agent)
            await agent.ok("ts.evt.log", {**ref, "type": "message", "summary": "next"})
            repeat = await agent.ok("ts.tsk.create", {"title": "Café order", "idempotency_key": "k1"})
            assert repeat["id"] == task_id, "idempotency records came along: the first answer, not a new task"
    finally:
        await copied.close()


async def test_a_destination_that_is_not_empty_is_refused_and_left_as_it_was(
    store: Store, owner: Agent, ledger: str, tmp_path: Path
) -> None:
    await owner.ok("ts.tsk.create", {"title": "mine"})
    other = str(tmp_path / "other.db")
    assert worktrail("init", "--db", other, "--json").returncode == 0
    before = await _tallies(other)
    code, out, err = _cli(ledger, other)
    assert code == 1 and "is not empty: resource (1 row), api_key (1 row)" in err and out == ""
    assert await _tallies(other) == before
    same = _cli(ledger, ledger)
    assert same[0] == 1 and "the same ledger" in same[2]


async def test_progress_is_shown_only_on_a_terminal(store: Store, owner: Agent, ledger: str, tmp_path: Path) -> None:
    await owner.ok("ts.tsk.create", {"title": "one"})
    code, out, err = _cli(ledger, str(tmp_path / "copy.db"))
    assert code == 0 and "copying" in err and "\r" not in err, "no carriage returns in a log"
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[1:-1]}
    assert rows["task"][:2] == ["1", "1"] and rows["task"][-1] == "yes"


async def test_a_ledger_being_served_is_not_copied_unless_forced(
    store: Store, owner: Agent, ledger: str, tmp_path: Path
) -> None:
    now = SystemClock().now()
    await store.recovery.register(new_uuid(), 4242, format_ts(now - timedelta(minutes=5)))  # quiet for 5 minutes
    assert _cli(ledger, str(tmp_path / "one.db"))[0] == 0, "no heartbeat within --instance-ttl (30s): gone"
    code, _, err = _cli(ledger, str(tmp_path / "two.db"), "--instance-ttl", "10m")
    assert code == 1 and "pid 4242" in err, err
    await store.recovery.register(new_uuid(), 4343, format_ts(now))
    dest = tmp_path / "three.db"
    code, out, err = _cli(ledger, str(dest))
    assert code == 1 and out == "" and "being served" in err and "pid 4343" in err and "4242" not in err, err
    assert "--force" in err and len(err.strip().splitlines()) == 1 and not dest.exists(), "nothing made"
    assert _cli(ledger, str(dest), "--force")[0] == 0

