"""ts.rel.*: relations as Taskschmiede makes them (its answer shapes and codes), for depends_on
between tasks, made and deleted by members only, each in the audit trail."""

from __future__ import annotations

import pytest

from tests.conftest import Agent, as_role, scalar
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio


def depends(source: str, target: str, **more: object) -> dict[str, object]:
    return {"relationship_type": "depends_on", "source_entity_type": "task", "source_entity_id": source,
            "target_entity_type": "task", "target_entity_id": target, **more}  # fmt: skip


async def tasks(owner: Agent, count: int) -> list[str]:
    return [(await owner.ok("ts.tsk.create", {"title": f"t{i}"}))["id"] for i in range(count)]


async def test_create_answers_the_relation_and_list_filters_and_pages_newest_first(owner: Agent) -> None:
    a, b, c = await tasks(owner, 3)
    made = await owner.ok("ts.rel.create", depends(a, b, metadata={"why": "needs the schema"}))
    assert made["id"].startswith("rel_") and made["metadata"] == {"why": "needs the schema"}
    assert {k: made[k] for k in ("relationship_type", "source_entity_id", "target_entity_id")} == {
        "relationship_type": "depends_on", "source_entity_id": a, "target_entity_id": b}  # fmt: skip
    assert made["created_by"] and made["created_at"].endswith("Z")
    second = await owner.ok("ts.rel.create", depends(a, c))
    third = await owner.ok("ts.rel.create", depends(b, c))
    everything = await owner.ok("ts.rel.list", {})
    assert [r["id"] for r in everything["relations"]] == [third["id"], second["id"], made["id"]]
    assert (everything["total"], everything["limit"], everything["offset"]) == (3, 50, 0)
    assert [r["id"] for r in (await owner.ok("ts.rel.list", {"source_entity_id": a}))["relations"]] == [
        second["id"], made["id"]]  # fmt: skip
    assert [r["id"] for r in (await owner.ok("ts.rel.list", {"target_entity_id": c}))["relations"]] == [
        third["id"], second["id"]]  # fmt: skip
    typed = {"relationship_type": "depends_on", "source_entity_type": "task", "target_entity_type": "task"}
    paged = await owner.ok("ts.rel.list", {**typed, "limit": 1, "offset": 1})
    assert [r["id"] for r in paged["relations"]] == [second["id"]] and paged["total"] == 3


async def test_delete_answers_the_id_and_an_unknown_relation_is_not_found(owner: Agent) -> None:
    a, b = await tasks(owner, 2)
    made = await owner.ok("ts.rel.create", depends(a, b))
    assert await owner.ok("ts.rel.delete", {"id": made["id"]}) == {"id": made["id"], "deleted": True}
    assert (await owner.ok("ts.rel.list", {}))["total"] == 0
    assert (await owner.err("ts.rel.delete", {"id": made["id"]}))["code"] == "not_found"


async def test_a_duplicate_is_invalid_input_naming_the_relation(owner: Agent) -> None:
    a, b = await tasks(owner, 2)
    made = await owner.ok("ts.rel.create", depends(a, b))
    error = await owner.err("ts.rel.create", depends(a, b))
    assert error["code"] == "invalid_input" and made["id"] in error["message"]
    assert (await owner.ok("ts.rel.list", {}))["total"] == 1


async def test_an_unknown_task_is_not_found_naming_the_field(owner: Agent) -> None:
    (a,) = await tasks(owner, 1)
    source = await owner.err("ts.rel.create", depends("tsk_nope", a))
    assert source["code"] == "not_found" and source["details"] == {"field": "source_entity_id", "id": "tsk_nope"}
    assert source["message"].startswith("source_entity_id:")
    target = await owner.err("ts.rel.create", depends(a, "tsk_gone"))
    assert target["code"] == "not_found" and target["details"]["field"] == "target_entity_id"
    assert (await owner.ok("ts.rel.list", {}))["total"] == 0


async def test_only_depends_on_between_tasks_is_accepted_naming_the_field_and_what_is_allowed(owner: Agent) -> None:
    a, b = await tasks(owner, 2)
    for field, value in (("relationship_type", "blocks"), ("source_entity_type", "demand"),
                         ("target_entity_type", "endeavour")):  # fmt: skip
        error = await owner.err("ts.rel.create", {**depends(a, b), field: value})
        assert error["code"] == "invalid_input" and error["details"][0]["loc"] == [field], error
        assert ("depends_on" if field == "relationship_type" else "task") in str(error), error
    assert (await owner.ok("ts.rel.list", {}))["total"] == 0


async def test_a_viewer_may_list_but_not_create_or_delete(owner: Agent, store: Store) -> None:
    a, b, c = await tasks(owner, 3)
    made = await owner.ok("ts.rel.create", depends(a, b))
    async with as_role(owner, store, "viewer") as (viewer, _):
        assert (await viewer.err("ts.rel.create", depends(b, a)))["code"] == "forbidden"
        assert (await viewer.err("ts.rel.delete", {"id": made["id"]}))["code"] == "forbidden"
        assert (await viewer.ok("ts.rel.list", {}))["total"] == 1
    async with as_role(owner, store, "member") as (member, _):
        mine = await member.ok("ts.rel.create", depends(a, c))
        refused = await member.err("ts.rel.delete", {"id": made["id"]})  # an owner's: as every delete
        assert refused["code"] == "forbidden" and "creator" in refused["message"]
        await member.ok("ts.rel.delete", {"id": mine["id"]})


async def test_create_and_delete_are_in_the_audit_trail(owner: Agent, store: Store) -> None:
    a, b = await tasks(owner, 2)
    async with as_role(owner, store, "member") as (member, member_id):
        made = await member.ok("ts.rel.create", depends(a, b))
        await member.ok("ts.rel.delete", {"id": made["id"]})
    history = (await owner.ok("ts.aud.list", {"entity_id": made["id"]}))["records"]
    assert [(r["action"], r["tool"], r["entity_type"]) for r in history] == [
        ("create", "ts.rel.create", "relation"), ("delete", "ts.rel.delete", "relation")]  # fmt: skip
    assert history[1]["changes"]["source_entity_id"] == [a, None]
    assert history[1]["changes"]["target_entity_id"] == [b, None]
    assert await scalar(store, "SELECT COUNT(*) FROM change_record WHERE entity_id = ? AND actor_id = ?",
                        made["id"], member_id) == 2  # fmt: skip
    filtered = await owner.ok("ts.aud.list", {"entity_type": "relation"})
    assert filtered["total"] == 2
