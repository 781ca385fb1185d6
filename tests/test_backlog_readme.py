"""The README's "Many agents, one backlog" answers as the tools do: its example is played again
(the owner, agent-1 and agent-2 as the README has them, on a clock that stands still between
steps), and every JSON answer the section shows is what the tool answers now, but for the ids
(shortened there; compared by the order they first appear in) and the times."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PinnedClock, connect, make_resource
from worktrail.domain.clock import format_ts, parse_ts
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio

README = Path(__file__).resolve().parents[1] / "README.md"
ID = re.compile(r"\b(tsk|res|rel|chg)_(?:…[0-9a-f]{4}|[0-9a-f]{24})\b")
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def shown_answers() -> list[str]:
    section = README.read_text().split("\n## Many agents, one backlog\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```json\n(.*?)```", section, re.DOTALL)


def normalized(answers: list[str]) -> list[str]:
    """Each answer as sorted JSON, its ids named by the order they first appear in across all the
    answers (`tsk_0`, `res_1`, ...), its times all alike."""
    seen: dict[str, str] = {}
    out = []
    for answer in answers:
        text = json.dumps(json.loads(answer), sort_keys=True, ensure_ascii=False)
        text = ID.sub(lambda m: seen.setdefault(m.group(0), f"{m.group(1)}_{len(seen)}"), text)
        out.append(TIME.sub("<time>", text))
    return out


def depends(source: str, target: str) -> dict[str, str]:
    return {"relationship_type": "depends_on", "source_entity_type": "task", "source_entity_id": source,
            "target_entity_type": "task", "target_entity_id": target}  # fmt: skip


async def test_the_many_agents_section_shows_what_the_tools_answer(store: Store, owner_key: str) -> None:
    clock = PinnedClock("2026-12-07T16:23:10Z")

    def later(seconds: int) -> str:
        clock.set(format_ts(clock.now() + timedelta(seconds=seconds)))
        return format_ts(clock.now())

    answers: list[dict[str, Any]] = []
    async with connect(store, owner_key, clock=clock) as owner:
        one_id, one_key = await make_resource(owner, "member", "agent-1")
        two_id, two_key = await make_resource(owner, "member", "agent-2")
        async with connect(store, one_key, clock=clock) as one, connect(store, two_key, clock=clock) as two:
            made = []
            for title in ("Design the schema", "Build the API", "Write the migration"):
                later(1)
                made.append((await owner.ok("ts.tsk.create", {"title": title}))["id"])
            schema, api, migration = made
            await owner.ok("ts.rel.create", depends(api, schema))
            await owner.ok("ts.rel.create", depends(migration, schema))
            answers.append(await owner.ok("ts.tsk.list", {"ready": True}))

            later(2)
            answers.append(await one.ok("ts.tsk.claim", {"lease": "10m"}))
            assert await two.ok("ts.tsk.claim", {}) == {"task": None}
            refused, held = await two.call("ts.tsk.claim", {"id": schema})
            assert refused
            answers.append(held)
            worked = later(6)
            await one.ok("ts.tsk.update", {"id": schema, "description": "Tables task, relation, lease."})
            renewed = await one.ok("ts.tsk.get", {"id": schema})
            assert renewed["lease_expires_at"] == format_ts(parse_ts(worked) + timedelta(minutes=10))
            later(2)
            await one.ok("ts.tsk.update", {"id": schema, "status": "done"})
            assert (await two.ok("ts.tsk.get", {"id": api}))["blocked_by"] == []
            answers.append(await owner.ok("ts.tsk.list", {"ready": True}))

            later(4)
            assert (await two.ok("ts.tsk.claim", {}))["task"]["id"] == api
            later(1)
            answers.append(await one.ok("ts.tsk.claim", {"lease": "5s"}))
            later(7)  # agent-1 is gone; its lease has run out
            answers.append(await owner.ok("ts.run.sweep", {}))
            answers.append(await owner.ok("ts.aud.list", {"entity_id": migration, "action": "sweep"}))
            later(2)
            again = (await two.ok("ts.tsk.claim", {}))["task"]
            assert (again["id"], again["assignee_id"], again["lease_holder_id"]) == (migration, two_id, two_id)
    assert one_id in json.dumps(answers[1])
    assert normalized(shown_answers()) == normalized([json.dumps(a) for a in answers])
