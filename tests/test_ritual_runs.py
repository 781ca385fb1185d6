"""ts.rtr.*: ritual runs, with ts.rtr.update held to seed 000, through the SDK client in both eras."""

from __future__ import annotations

import re

import anyio
import pytest

from tests.conftest import Agent, as_role, connect, execute
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
TERMINAL = ("succeeded", "failed", "skipped")


async def new_run(agent: Agent, **fields: object) -> dict:
    ritual = await agent.ok("ts.rtl.create", {"name": "Daily health check", "prompt": "Check the services."})
    return await agent.ok("ts.rtr.create", {"ritual_id": ritual["id"], **fields})


async def test_a_new_run_is_running_started_now_and_run_by_the_caller(owner: Agent) -> None:
    me = await owner.ok("ts.auth.whoami")
    run = await new_run(owner)
    assert run["id"].startswith("rtr_") and run["status"] == "running" and run["trigger"] == "manual"
    assert run["run_by"] == me["resource_id"] and TIMESTAMP.match(run["started_at"])
    assert "finished_at" not in run and run["metadata"] == {}
    assert await owner.ok("ts.rtr.get", {"id": run["id"]}) == run
    assert (await new_run(owner, trigger="api", metadata={"k": 1}))["trigger"] == "api"


async def test_seed_example_complete_a_successful_run(owner: Agent) -> None:
    run = await new_run(owner)
    effects = {"tasks_created": ["tsk_new1", "tsk_new2"], "tasks_updated": ["tsk_existing"]}
    request = {
        "effects": effects,
        "id": run["id"],
        "result_summary": "Created 2 tasks, updated 1 task status.",
        "status": "succeeded",
    }
    ack = await owner.ok("ts.rtr.update", request)
    assert set(ack) == {"id", "updated_at", "updated_fields"} and ack["id"] == run["id"]
    assert ack["updated_fields"] == ["status", "result_summary", "effects"] and TIMESTAMP.match(ack["updated_at"])
    stored = await owner.ok("ts.rtr.get", {"id": run["id"]})
    assert stored["status"] == "succeeded" and stored["effects"] == effects
    assert stored["result_summary"] == request["result_summary"] and stored["finished_at"] == ack["updated_at"]


async def test_seed_example_record_a_failed_run(owner: Agent) -> None:
    run = await new_run(owner)
    error = {"code": "timeout", "message": "Ritual execution timed out after 5 minutes."}
    ack = await owner.ok("ts.rtr.update", {"error": error, "id": run["id"], "status": "failed"})
    assert ack["updated_fields"] == ["status", "error"]
    stored = await owner.ok("ts.rtr.get", {"id": run["id"]})
    assert stored["status"] == "failed" and stored["error"] == error and TIMESTAMP.match(stored["finished_at"])


@pytest.mark.parametrize("status", TERMINAL)
async def test_every_terminal_move_sets_finished_at(owner: Agent, status: str) -> None:
    run = await new_run(owner)
    await owner.ok("ts.rtr.update", {"id": run["id"], "status": status})
    assert TIMESTAMP.match((await owner.ok("ts.rtr.get", {"id": run["id"]}))["finished_at"])


async def test_a_running_run_may_record_progress_without_finishing(owner: Agent) -> None:
    run = await new_run(owner)
    ack = await owner.ok("ts.rtr.update", {"id": run["id"], "result_summary": "Half way", "effects": {"n": 1}})
    assert ack["updated_fields"] == ["result_summary", "effects"]
    stored = await owner.ok("ts.rtr.get", {"id": run["id"]})
    assert stored["status"] == "running" and "finished_at" not in stored and stored["effects"] == {"n": 1}


async def test_an_update_takes_the_seeds_three_statuses_only(owner: Agent) -> None:
    run = await new_run(owner)
    error = await owner.err("ts.rtr.update", {"id": run["id"], "status": "running"})
    assert error["code"] == "invalid_input" and error["details"][0]["loc"] == ["status"]
    assert "succeeded, failed, skipped" in error["details"][0]["msg"]
    assert (await owner.ok("ts.rtr.get", {"id": run["id"]}))["status"] == "running"


def test_the_update_schema_enum_is_the_seeds() -> None:
    from worktrail.tools.call_options import published_input_schema
    from worktrail.tools.rituals.runs import update_run

    assert published_input_schema(update_run)["properties"]["status"]["enum"] == ["succeeded", "failed", "skipped"]


@pytest.mark.parametrize(("first", "then"), [(a, b) for a in TERMINAL for b in TERMINAL])
async def test_a_finished_run_refuses_every_status_change(owner: Agent, first: str, then: str) -> None:
    run = await new_run(owner)
    await owner.ok("ts.rtr.update", {"id": run["id"], "status": first})
    before = await owner.ok("ts.rtr.get", {"id": run["id"]})
    error = await owner.err("ts.rtr.update", {"id": run["id"], "status": then})
    assert error["code"] == "invalid_input" and "already finished" in error["message"]
    assert error["details"]["current_status"] == first and error["details"]["requested_status"] == then
    assert error["details"]["allowed"] == []
    assert await owner.ok("ts.rtr.get", {"id": run["id"]}) == before


@pytest.mark.parametrize("field", ["result_summary", "effects"])
async def test_a_finished_runs_outcome_is_frozen_but_metadata_may_change(owner: Agent, field: str) -> None:
    run = await new_run(owner)
    await owner.ok("ts.rtr.update", {"id": run["id"], "status": "succeeded", "result_summary": "All green"})
    before = await owner.ok("ts.rtr.get", {"id": run["id"]})
    value = "Rewritten" if field == "result_summary" else {"tasks_created": ["tsk_x"]}
    error = await owner.err("ts.rtr.update", {"id": run["id"], field: value})
    assert error["code"] == "invalid_input" and "already finished" in error["message"]
    assert error["details"]["frozen_fields"] == [field] and error["details"]["changeable"] == ["metadata"]
    assert await owner.ok("ts.rtr.get", {"id": run["id"]}) == before
    ack = await owner.ok("ts.rtr.update", {"id": run["id"], "metadata": {"reviewed": True}})
    assert ack["updated_fields"] == ["metadata"]
    after = await owner.ok("ts.rtr.get", {"id": run["id"]})
    assert after["metadata"] == {"reviewed": True} and after["finished_at"] == before["finished_at"]


@pytest.mark.parametrize("status", [None, "succeeded", "skipped"])
async def test_error_is_accepted_only_with_the_move_to_failed(owner: Agent, status: str | None) -> None:
    run = await new_run(owner)
    request = {"id": run["id"], "error": {"code": "x", "message": "y"}}
    if status:
        request["status"] = status
    error = await owner.err("ts.rtr.update", request)
    assert error["code"] == "invalid_input" and error["details"][0]["loc"] == ["error"]
    assert '"status": "failed"' in error["details"][0]["hint"]
    assert (await owner.ok("ts.rtr.get", {"id": run["id"]}))["status"] == "running"


@pytest.mark.parametrize(
    ("error", "loc"),
    [({"message": "m"}, ["error", "code"]), ({"code": "c"}, ["error", "message"]), ("boom", ["error"]),
     ({"code": "c", "message": "m", "stack": "..."}, ["error", "stack"])],
)  # fmt: skip
async def test_error_must_be_a_code_and_a_message(owner: Agent, error: object, loc: list[str]) -> None:
    run = await new_run(owner)
    refused = await owner.err("ts.rtr.update", {"id": run["id"], "status": "failed", "error": error})
    assert refused["code"] == "invalid_input" and [d["loc"] for d in refused["details"]] == [loc]


async def test_effects_are_limited_to_256_kib_of_json(owner: Agent) -> None:
    run = await new_run(owner)
    over = await owner.err("ts.rtr.update", {"id": run["id"], "effects": {"log": "x" * (256 * 1024)}})
    assert over["code"] == "invalid_input" and over["details"][0]["loc"] == ["effects"]
    assert "256 KiB" in over["details"][0]["msg"]
    assert "effects" not in await owner.ok("ts.rtr.get", {"id": run["id"]})
    fits = {"log": "x" * (256 * 1024 - len('{"log":""}'))}
    await owner.ok("ts.rtr.update", {"id": run["id"], "effects": fits})
    assert (await owner.ok("ts.rtr.get", {"id": run["id"]}))["effects"] == fits


async def test_the_seeds_other_errors(owner: Agent, store: Store) -> None:
    run = await new_run(owner)
    nothing = await owner.err("ts.rtr.update", {"id": run["id"]})
    assert nothing["code"] == "invalid_input" and "No fields to update" in nothing["message"]
    assert (await owner.err("ts.rtr.update", {"id": "rtr_nope", "status": "failed"}))["code"] == "not_found"
    async with connect(store) as stranger:
        refused = await stranger.err("ts.rtr.update", {"id": run["id"], "status": "failed"})
        assert refused["code"] == "not_authenticated"
    assert (await owner.ok("ts.rtr.get", {"id": run["id"]}))["status"] == "running"


async def test_runs_start_only_from_active_enabled_known_rituals(owner: Agent) -> None:
    assert (await owner.err("ts.rtr.create", {"ritual_id": "rtl_nope"}))["code"] == "not_found"
    ritual = await owner.ok("ts.rtl.create", {"name": "Triage", "prompt": "p", "is_enabled": False})
    disabled = await owner.err("ts.rtr.create", {"ritual_id": ritual["id"]})
    assert disabled["code"] == "invalid_input" and '"is_enabled": true' in disabled["details"][0]["hint"]
    await owner.ok("ts.rtl.update", {"id": ritual["id"], "is_enabled": True, "status": "archived"})
    archived = await owner.err("ts.rtr.create", {"ritual_id": ritual["id"]})
    assert archived["code"] == "invalid_input" and "archived" in archived["message"]
    bad = await owner.err("ts.rtr.create", {"ritual_id": ritual["id"], "trigger": "cron"})
    assert bad["code"] == "invalid_input" and bad["details"][0]["loc"] == ["trigger"]
    assert (await owner.ok("ts.rtr.list", {}))["total"] == 0


async def test_list_filters_by_ritual_and_status_newest_first(owner: Agent) -> None:
    first = await new_run(owner)
    second = await owner.ok("ts.rtr.create", {"ritual_id": first["ritual_id"]})
    other = await new_run(owner)
    await owner.ok("ts.rtr.update", {"id": first["id"], "status": "skipped"})
    page = await owner.ok("ts.rtr.list", {"ritual_id": first["ritual_id"]})
    assert [r["id"] for r in page["runs"]] == [second["id"], first["id"]] and page["total"] == 2
    assert [r["id"] for r in (await owner.ok("ts.rtr.list", {"status": "running"}))["runs"]] == [
        other["id"],
        second["id"],
    ]
    assert (await owner.ok("ts.rtr.list", {"limit": 1}))["total"] == 3


async def test_viewers_read_runs_but_members_are_needed_to_run(owner: Agent, store: Store) -> None:
    run = await new_run(owner)
    async with as_role(owner, store, "viewer") as (viewer, _):
        assert (await viewer.ok("ts.rtr.list", {}))["runs"][0]["id"] == run["id"]
        assert (await viewer.err("ts.rtr.create", {"ritual_id": run["ritual_id"]}))["code"] == "forbidden"
        assert (await viewer.err("ts.rtr.update", {"id": run["id"], "status": "failed"}))["code"] == "forbidden"
    async with as_role(owner, store, "member") as (member, member_id):
        ack = await member.ok("ts.rtr.update", {"id": run["id"], "status": "skipped"})
        assert ack["updated_fields"] == ["status"]
        assert (await member.ok("ts.rtr.create", {"ritual_id": run["ritual_id"]}))["run_by"] == member_id


async def test_two_agents_finishing_one_run_at_once_leave_one_outcome(owner: Agent, store: Store) -> None:
    run = await new_run(owner)
    outcomes: dict[str, tuple[bool, dict]] = {}

    async def finish(agent: Agent, status: str) -> None:
        outcomes[status] = await agent.call("ts.rtr.update", {"id": run["id"], "status": status})

    async with as_role(owner, store, "member") as (a, _), as_role(owner, store, "member") as (b, _):
        async with anyio.create_task_group() as group:
            group.start_soon(finish, a, "succeeded")
            group.start_soon(finish, b, "failed")
    winners = [s for s, (is_error, _) in outcomes.items() if not is_error]
    assert len(winners) == 1
    loser = next(p for s, (is_error, p) in outcomes.items() if is_error)
    assert loser["error"]["code"] == "invalid_input" and loser["error"]["details"]["current_status"] == winners[0]
    assert (await owner.ok("ts.rtr.get", {"id": run["id"]}))["status"] == winners[0]
    history = await owner.ok("ts.aud.list", {"entity_id": run["id"], "action": "update"})
    assert history["total"] == 1


async def test_a_run_update_and_its_change_record_commit_together(owner: Agent, store: Store, ledger: str) -> None:
    run = await new_run(owner)
    # A record that cannot be written must undo the change: a trigger refuses it, in each store's words.
    if ledger.startswith("postgresql"):
        await execute(store, "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                      "IF NEW.entity_type = 'ritual_run' THEN RAISE EXCEPTION 'audit unavailable'; END IF; "
                      "RETURN NEW; END $$")  # fmt: skip
        await execute(
            store, "CREATE TRIGGER refuse BEFORE INSERT ON change_record FOR EACH ROW EXECUTE FUNCTION refuse()"
        )
    else:
        await execute(store, "CREATE TRIGGER refuse BEFORE INSERT ON change_record WHEN NEW.entity_type = "
                      "'ritual_run' BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END")  # fmt: skip
    error = await owner.err("ts.rtr.update", {"id": run["id"], "status": "succeeded", "result_summary": "ok"})
    assert error["code"] == "internal_error"
    stored = await owner.ok("ts.rtr.get", {"id": run["id"]})
    assert stored["status"] == "running" and "result_summary" not in stored
