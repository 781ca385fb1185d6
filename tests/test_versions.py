"""Versions: 1 at creation, +1 on every change; a write conditional on a version that is no longer
current changes nothing and says what changed since, for every kind of entity that is updated."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Agent, scalar
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio


async def new_run(owner: Agent) -> dict[str, Any]:
    ritual = await owner.ok("ts.rtl.create", {"name": "r", "prompt": "p"})
    return await owner.ok("ts.rtr.create", {"ritual_id": ritual["id"]})


# Each kind: how to make one, how to read it, a first change, and a second change to make conditional.
KINDS: dict[str, tuple[Any, str, dict[str, Any], dict[str, Any], str]] = {
    "task": (lambda o: o.ok("ts.tsk.create", {"title": "t"}), "ts.tsk", {"title": "t2"}, {"description": "d"}, "title"),
    "ritual_run": (new_run, "ts.rtr", {"result_summary": "half"}, {"status": "succeeded"}, "result_summary"),
    "endeavour": (lambda o: o.ok("ts.edv.create", {"name": "e"}), "ts.edv", {"name": "e2"}, {"goals": ["g"]}, "name"),
    "ritual": (lambda o: o.ok("ts.rtl.create", {"name": "r", "prompt": "p"}), "ts.rtl", {"name": "r2"},
               {"is_enabled": False}, "name"),
    "resource": (lambda o: o.ok("ts.res.create", {"type": "agent", "name": "a"}), "ts.res", {"name": "a2"},
                 {"skills": ["x"]}, "name"),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_a_stale_expected_version_changes_nothing_and_names_what_changed(owner: Agent, kind: str) -> None:
    make, ns, first_change, second_change, changed = KINDS[kind]
    made = await make(owner)
    assert made["version"] == 1
    await owner.ok(f"{ns}.update", {"id": made["id"], **first_change})
    before = await owner.ok(f"{ns}.get", {"id": made["id"]})
    assert before["version"] == 2
    refused = await owner.err(f"{ns}.update", {"id": made["id"], **second_change, "expected_version": 1})
    assert refused["code"] == "conflict" and "expected_version 2" in refused["message"]
    assert refused["details"] == {
        "reason": "version_mismatch", "current_version": 2, "expected_version": 1, "changed_fields_since": [changed]
    }  # fmt: skip
    assert await owner.ok(f"{ns}.get", {"id": made["id"]}) == before  # nothing changed
    await owner.ok(f"{ns}.update", {"id": made["id"], **second_change, "expected_version": 2})
    assert (await owner.ok(f"{ns}.get", {"id": made["id"]}))["version"] == 3


async def test_changed_fields_since_gathers_every_change_after_the_version(owner: Agent) -> None:
    task = await owner.ok("ts.tsk.create", {"title": "t"})
    await owner.ok("ts.tsk.update", {"id": task["id"], "title": "t2"})
    await owner.ok("ts.tsk.update", {"id": task["id"], "status": "active", "estimate": 3})
    refused = await owner.err("ts.tsk.update", {"id": task["id"], "description": "d", "expected_version": 1})
    since = refused["details"]["changed_fields_since"]
    assert since[0] == "title" and sorted(since[1:]) == ["estimate", "started_at", "status"]
    assert refused["details"]["current_version"] == 3


async def test_cancel_takes_expected_version_and_answers_the_new_one(owner: Agent) -> None:
    task = await owner.ok("ts.tsk.create", {"title": "t"})
    await owner.ok("ts.tsk.update", {"id": task["id"], "title": "renamed"})
    refused = await owner.err("ts.tsk.cancel", {"id": task["id"], "reason": "dup", "expected_version": 1})
    assert refused["details"]["reason"] == "version_mismatch"
    canceled = await owner.ok("ts.tsk.cancel", {"id": task["id"], "reason": "dup", "expected_version": 2})
    assert canceled["version"] == 3


async def test_seed_acknowledgements_do_not_grow_a_version_but_the_others_answer_it(owner: Agent) -> None:
    task = await owner.ok("ts.tsk.create", {"title": "t"})
    assert set(await owner.ok("ts.tsk.update", {"id": task["id"], "title": "x"})) == {
        "id", "updated_at", "updated_fields"
    }  # fmt: skip
    run = await new_run(owner)
    assert "version" not in await owner.ok("ts.rtr.update", {"id": run["id"], "status": "skipped"})
    edv = await owner.ok("ts.edv.create", {"name": "e"})
    assert (await owner.ok("ts.edv.update", {"id": edv["id"], "name": "f"}))["version"] == 2


async def test_lists_carry_versions(owner: Agent) -> None:
    task = await owner.ok("ts.tsk.create", {"title": "t"})
    await owner.ok("ts.tsk.update", {"id": task["id"], "title": "u"})
    assert [t["version"] for t in (await owner.ok("ts.tsk.list"))["tasks"]] == [2]
    assert all(r["version"] >= 1 for r in (await owner.ok("ts.res.list"))["resources"])


async def test_audit_records_carry_the_version_each_change_produced(owner: Agent, store: Store) -> None:
    task = await owner.ok("ts.tsk.create", {"title": "t"})
    await owner.ok("ts.tsk.update", {"id": task["id"], "status": "active"})
    await owner.ok("ts.tsk.update", {"id": task["id"], "status": "done"})
    trail = await owner.ok("ts.aud.list", {"entity_id": task["id"]})
    assert [r["version"] for r in trail["records"]] == [1, 2, 3]
    assert await scalar(store, "SELECT version FROM task") == 3


async def test_a_retried_conditional_write_gets_its_answer_not_a_mismatch(owner: Agent) -> None:
    task = await owner.ok("ts.tsk.create", {"title": "t"})
    request = {"id": task["id"], "title": "mine", "expected_version": 1, "idempotency_key": "edit-1"}
    first = await owner.ok("ts.tsk.update", request)
    assert await owner.ok("ts.tsk.update", request) == first
    assert (await owner.ok("ts.tsk.get", {"id": task["id"]}))["version"] == 2


async def test_two_agents_editing_one_read_lose_no_edit(owner: Agent) -> None:
    task = await owner.ok("ts.tsk.create", {"title": "t"})
    read = (await owner.ok("ts.tsk.get", {"id": task["id"]}))["version"]
    await owner.ok("ts.tsk.update", {"id": task["id"], "description": "first", "expected_version": read})
    lost = await owner.err("ts.tsk.update", {"id": task["id"], "description": "second", "expected_version": read})
    assert lost["details"]["changed_fields_since"] == ["description"]
    assert (await owner.ok("ts.tsk.get", {"id": task["id"]}))["description"] == "first"


@pytest.mark.parametrize("bad", [0, -1, "2", 1.5])
async def test_a_malformed_expected_version_is_invalid_input(owner: Agent, bad: object) -> None:
    task = await owner.ok("ts.tsk.create", {"title": "t"})
    refused = await owner.err("ts.tsk.update", {"id": task["id"], "title": "x", "expected_version": bad})
    assert refused["code"] == "invalid_input" and refused["details"][0]["loc"] == ["expected_version"]


async def test_expected_version_is_refused_where_nothing_existing_changes(owner: Agent) -> None:
    refused = await owner.err("ts.tsk.create", {"title": "t", "expected_version": 1})
    assert refused["code"] == "invalid_input" and "belongs to updates" in refused["message"]


async def test_an_unknown_entity_is_not_found_whatever_version_is_expected(owner: Agent) -> None:
    refused = await owner.err("ts.tsk.update", {"id": "tsk_nope", "title": "x", "expected_version": 4})
    assert refused["code"] == "not_found"
