"""ts.tsk.update: seed 001 to the letter, through the SDK client in both protocol eras."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.conftest import Agent, as_role, connect, execute
from worktrail.domain.clock import SystemClock, format_ts
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


async def new_task(owner: Agent, **fields: object) -> dict:
    return await owner.ok("ts.tsk.create", {"title": "Write the report", **fields})


async def test_seed_example_start_working_on_a_task(owner: Agent) -> None:
    task = await new_task(owner)
    ack = await owner.ok("ts.tsk.update", {"id": task["id"], "status": "active"})
    assert set(ack) == {"id", "updated_at", "updated_fields"}
    assert ack["id"] == task["id"] and ack["updated_fields"] == ["status"]
    assert TIMESTAMP.match(ack["updated_at"])
    stored = await owner.ok("ts.tsk.get", {"id": task["id"]})
    assert stored["status"] == "active" and TIMESTAMP.match(stored["started_at"])


async def test_seed_example_complete_a_task_lists_fields_in_seed_order(owner: Agent) -> None:
    task = await new_task(owner)
    await owner.ok("ts.tsk.update", {"id": task["id"], "status": "active"})
    ack = await owner.ok("ts.tsk.update", {"actual": 3.5, "id": task["id"], "status": "done"})
    assert ack["updated_fields"] == ["status", "actual"]
    stored = await owner.ok("ts.tsk.get", {"id": task["id"]})
    assert stored["status"] == "done" and stored["actual"] == 3.5 and TIMESTAMP.match(stored["completed_at"])


async def test_updated_fields_follow_the_seed_table_not_the_request(owner: Agent) -> None:
    task = await new_task(owner)
    ack = await owner.ok(
        "ts.tsk.update",
        {
            "metadata": {"a": 1},
            "due_date": "2026-03-01",
            "title": "T2",
            "estimate": 2,
            "description": "d",
            "id": task["id"],
        },
    )
    assert ack["updated_fields"] == ["title", "description", "estimate", "due_date", "metadata"]


async def test_planned_to_done_is_refused_with_allowed_moves(owner: Agent) -> None:
    task = await new_task(owner)
    error = await owner.err("ts.tsk.update", {"id": task["id"], "status": "done"})
    assert error["code"] == "invalid_transition"
    assert error["details"] == {
        "current_status": "planned",
        "requested_status": "done",
        "allowed": ["active", "canceled"],
    }
    assert (await owner.ok("ts.tsk.get", {"id": task["id"]}))["status"] == "planned"


async def test_same_status_is_invalid_transition_saying_already(owner: Agent) -> None:
    task = await new_task(owner)
    error = await owner.err("ts.tsk.update", {"id": task["id"], "status": "planned"})
    assert error["code"] == "invalid_transition" and "already planned" in error["message"]


async def test_unknown_task_is_not_found(owner: Agent) -> None:
    error = await owner.err("ts.tsk.update", {"id": "tsk_000000000000000000000000", "title": "x"})
    assert error["code"] == "not_found"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"status": "finished"}, "status"),
        ({"estimate": "3"}, "estimate"),
        ({"estimate": True}, "estimate"),
        ({"estimate": -1}, "estimate"),
        ({"title": None}, "title"),
        ({"metadata": None}, "metadata"),
        ({"assignee_id": None}, "assignee_id"),
        ({"colour": "red"}, "colour"),
        ({"metadata": ["not", "an", "object"]}, "metadata"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 501}, "title"),
        ({"description": "x" * 50_001}, "description"),
        ({"metadata": {"blob": "x" * 70_000}}, "metadata"),
        ({"due_date": "next tuesday"}, "due_date"),
        ({"due_date": "2026-02-30"}, "due_date"),
    ],
)
async def test_bad_input_names_the_field_and_changes_nothing(owner: Agent, arguments: dict, field: str) -> None:
    task = await new_task(owner)
    before = await owner.ok("ts.tsk.get", {"id": task["id"]})
    error = await owner.err("ts.tsk.update", {"id": task["id"], **arguments})
    assert error["code"] == "invalid_input"
    assert any(d["loc"][:1] == [field] for d in error["details"]), error
    assert field in error["message"]
    assert await owner.ok("ts.tsk.get", {"id": task["id"]}) == before


async def test_limits_are_named_in_the_error(owner: Agent) -> None:
    task = await new_task(owner)
    error = await owner.err("ts.tsk.update", {"id": task["id"], "metadata": {"blob": "x" * 70_000}})
    assert "64 KiB" in error["message"]
    error = await owner.err("ts.tsk.update", {"id": task["id"], "title": "x" * 501})
    assert "500" in error["message"]


async def test_update_with_nothing_to_change_is_invalid_input(owner: Agent) -> None:
    task = await new_task(owner)
    error = await owner.err("ts.tsk.update", {"id": task["id"]})
    assert error["code"] == "invalid_input" and "No fields to update" in error["message"]


async def test_missing_id_is_invalid_input(owner: Agent) -> None:
    error = await owner.err("ts.tsk.update", {"status": "active"})
    assert error["code"] == "invalid_input" and error["details"][0]["loc"] == ["id"]


async def test_cancel_needs_a_non_blank_reason_with_a_hint(owner: Agent) -> None:
    task = await new_task(owner)
    error = await owner.err("ts.tsk.update", {"id": task["id"], "status": "canceled"})
    assert error["code"] == "invalid_input" and error["details"][0]["loc"] == ["canceled_reason"]
    assert "canceled_reason" in error["details"][0]["hint"]
    blank = await owner.err("ts.tsk.update", {"id": task["id"], "status": "canceled", "canceled_reason": "  "})
    assert blank["code"] == "invalid_input"
    assert (await owner.ok("ts.tsk.get", {"id": task["id"]}))["status"] == "planned"


async def test_cancel_stamps_canceled_at_and_keeps_the_reason(owner: Agent) -> None:
    task = await new_task(owner)
    ack = await owner.ok("ts.tsk.update", {"id": task["id"], "status": "canceled", "canceled_reason": "dup"})
    assert ack["updated_fields"] == ["status", "canceled_reason"]
    stored = await owner.ok("ts.tsk.get", {"id": task["id"]})
    assert stored["canceled_reason"] == "dup" and stored["canceled_at"] == ack["updated_at"]


async def test_canceled_reason_is_refused_unless_the_task_is_or_becomes_canceled(owner: Agent) -> None:
    task = await new_task(owner)
    error = await owner.err("ts.tsk.update", {"id": task["id"], "canceled_reason": "why"})
    assert error["code"] == "invalid_input" and error["details"][0]["loc"] == ["canceled_reason"]
    await owner.ok("ts.tsk.cancel", {"id": task["id"], "reason": "first"})
    await owner.ok("ts.tsk.update", {"id": task["id"], "canceled_reason": "better reason"})
    assert (await owner.ok("ts.tsk.get", {"id": task["id"]}))["canceled_reason"] == "better reason"


async def test_reopen_from_canceled_clears_canceled_at_and_reason(owner: Agent) -> None:
    task = await new_task(owner)
    await owner.ok("ts.tsk.cancel", {"id": task["id"], "reason": "not now"})
    await owner.ok("ts.tsk.update", {"id": task["id"], "status": "planned"})
    stored = await owner.ok("ts.tsk.get", {"id": task["id"]})
    assert stored["status"] == "planned" and "canceled_at" not in stored and "canceled_reason" not in stored


async def test_reopen_from_done_clears_completed_at_and_keeps_started_at(owner: Agent) -> None:
    task = await new_task(owner)
    await owner.ok("ts.tsk.update", {"id": task["id"], "status": "active"})
    started = (await owner.ok("ts.tsk.get", {"id": task["id"]}))["started_at"]
    await owner.ok("ts.tsk.update", {"id": task["id"], "status": "done"})
    await owner.ok("ts.tsk.update", {"id": task["id"], "status": "active"})
    stored = await owner.ok("ts.tsk.get", {"id": task["id"]})
    assert "completed_at" not in stored and stored["started_at"] == started


async def test_started_at_is_kept_after_the_first_activation(owner: Agent, store: Store) -> None:
    task = await new_task(owner)
    await owner.ok("ts.tsk.update", {"id": task["id"], "status": "active"})
    # Pretend the first start was long ago.
    await execute(store, "UPDATE task SET started_at = '2026-01-01T08:00:00Z' WHERE id = ?", task["id"])
    await owner.ok("ts.tsk.update", {"id": task["id"], "status": "planned"})
    await owner.ok("ts.tsk.update", {"id": task["id"], "status": "active"})
    assert (await owner.ok("ts.tsk.get", {"id": task["id"]}))["started_at"] == "2026-01-01T08:00:00Z"


async def test_done_without_actual_fills_hours_since_started_at(owner: Agent, store: Store) -> None:
    task = await new_task(owner)
    await owner.ok("ts.tsk.update", {"id": task["id"], "status": "active"})
    started = format_ts(SystemClock().now() - timedelta(minutes=150))
    await execute(store, "UPDATE task SET started_at = ? WHERE id = ?", started, task["id"])
    ack = await owner.ok("ts.tsk.update", {"id": task["id"], "status": "done"})
    assert ack["updated_fields"] == ["status"]
    assert (await owner.ok("ts.tsk.get", {"id": task["id"]}))["actual"] == 2.5


async def test_done_keeps_an_actual_that_is_already_set(owner: Agent) -> None:
    task = await new_task(owner)
    await owner.ok("ts.tsk.update", {"id": task["id"], "status": "active", "actual": 7})
    await owner.ok("ts.tsk.update", {"id": task["id"], "status": "done"})
    assert (await owner.ok("ts.tsk.get", {"id": task["id"]}))["actual"] == 7


async def test_empty_string_unlinks_unassigns_and_clears(owner: Agent) -> None:
    edv = await owner.ok("ts.edv.create", {"name": "E"})
    me = await owner.ok("ts.auth.whoami")
    task = await new_task(owner, endeavour_id=edv["id"], assignee_id=me["resource_id"], due_date="2026-03-01")
    ack = await owner.ok("ts.tsk.update", {"id": task["id"], "endeavour_id": "", "assignee_id": "", "due_date": ""})
    assert ack["updated_fields"] == ["endeavour_id", "assignee_id", "due_date"]
    stored = await owner.ok("ts.tsk.get", {"id": task["id"]})
    assert not {"endeavour_id", "assignee_id", "due_date"} & set(stored)


async def test_link_to_unknown_endeavour_or_assignee_is_not_found(owner: Agent) -> None:
    task = await new_task(owner)
    assert (await owner.err("ts.tsk.update", {"id": task["id"], "endeavour_id": "edv_nope"}))["code"] == "not_found"
    assert (await owner.err("ts.tsk.update", {"id": task["id"], "assignee_id": "res_nope"}))["code"] == "not_found"


async def test_metadata_replaces_the_stored_object(owner: Agent) -> None:
    task = await new_task(owner, metadata={"a": 1, "b": 2})
    await owner.ok("ts.tsk.update", {"id": task["id"], "metadata": {"c": 3}})
    assert (await owner.ok("ts.tsk.get", {"id": task["id"]}))["metadata"] == {"c": 3}


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("2026-03-01", "2026-03-01"),
        ("2026-03-01T17:00:00Z", "2026-03-01T17:00:00Z"),
        ("2026-03-01T19:00:00+02:00", "2026-03-01T17:00:00Z"),
        ("2026-03-01T17:00:00", "2026-03-01T17:00:00Z"),
    ],
)
async def test_due_date_is_normalised(owner: Agent, sent: str, stored: str) -> None:
    task = await new_task(owner)
    await owner.ok("ts.tsk.update", {"id": task["id"], "due_date": sent})
    assert (await owner.ok("ts.tsk.get", {"id": task["id"]}))["due_date"] == stored


async def test_tasks_of_an_archived_endeavour_can_no_longer_be_changed(owner: Agent) -> None:
    edv = await owner.ok("ts.edv.create", {"name": "E"})
    task = await new_task(owner, endeavour_id=edv["id"])
    await owner.ok("ts.edv.update", {"id": edv["id"], "status": "archived"})
    error = await owner.err("ts.tsk.update", {"id": task["id"], "title": "new"})
    assert error["code"] == "invalid_input" and "archived" in error["message"]
    other = await new_task(owner)
    moved = await owner.err("ts.tsk.update", {"id": other["id"], "endeavour_id": edv["id"]})
    assert moved["code"] == "invalid_input"


async def test_not_authenticated_before_login(store: Store, owner_key: str, mode: str) -> None:
    async with connect(store, mode=mode) as anonymous:
        error = await anonymous.err("ts.tsk.update", {"id": "tsk_x", "status": "active"})
        assert error == {
            "code": "not_authenticated",
            "message": "No active login for this session. Call ts.auth.login first.",
        }


async def test_login_is_checked_before_arguments(store: Store, owner_key: str) -> None:
    async with connect(store) as anonymous:
        assert (await anonymous.err("ts.tsk.update", {"bogus": 1}))["code"] == "not_authenticated"


async def test_viewer_is_forbidden_after_arguments_are_checked(owner: Agent, store: Store) -> None:
    task = await new_task(owner)
    async with as_role(owner, store, "viewer") as (viewer, _):
        assert (await viewer.err("ts.tsk.update", {"id": task["id"], "bogus": 1}))["code"] == "invalid_input"
        assert (await viewer.err("ts.tsk.update", {"id": task["id"], "title": "x"}))["code"] == "forbidden"
        assert (await viewer.err("ts.tsk.update", {"id": "tsk_missing", "title": "x"}))["code"] == "forbidden"
        assert (await viewer.ok("ts.tsk.get", {"id": task["id"]}))["title"] == task["title"]


async def test_cancel_needs_admin_creator_or_assignee(owner: Agent, store: Store) -> None:
    task = await new_task(owner)
    async with as_role(owner, store, "member") as (member, member_id):
        error = await member.err("ts.tsk.update", {"id": task["id"], "status": "canceled", "canceled_reason": "x"})
        assert error["code"] == "forbidden"
        assert (await member.err("ts.tsk.cancel", {"id": task["id"], "reason": "x"}))["code"] == "forbidden"
        mine = await member.ok("ts.tsk.create", {"title": "mine"})
        await member.ok("ts.tsk.cancel", {"id": mine["id"], "reason": "creator may"})
        assigned = await new_task(owner, assignee_id=member_id)
        await member.ok("ts.tsk.cancel", {"id": assigned["id"], "reason": "assignee may"})
    await owner.ok("ts.tsk.cancel", {"id": task["id"], "reason": "admin may"})


async def test_cancel_tool_answers_like_an_update(owner: Agent) -> None:
    task = await new_task(owner)
    ack = await owner.ok("ts.tsk.cancel", {"id": task["id"], "reason": "no longer needed"})
    assert ack["id"] == task["id"] and ack["updated_fields"] == ["status", "canceled_reason"]
    again = await owner.err("ts.tsk.cancel", {"id": task["id"], "reason": "again"})
    assert again["code"] == "invalid_transition" and again["details"]["current_status"] == "canceled"
