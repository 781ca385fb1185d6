"""A task's page says what it waits for: each task it depends on that is not done yet, by its
title, linked to its page; once they are done, or for a task with none, it says nothing of it."""

from __future__ import annotations

import re

import pytest

from tests.board_client import board_over, browser
from tests.conftest import connect
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio


def _depends(source: str, target: str) -> dict[str, str]:
    return {"relationship_type": "depends_on", "source_entity_type": "task", "source_entity_id": source,
            "target_entity_type": "task", "target_entity_id": target}  # fmt: skip


async def test_a_task_page_names_the_tasks_it_waits_for_until_they_are_done(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key) as owner:
        schema, data, ship = [(await owner.ok("ts.tsk.create", {"title": t}))["id"]
                              for t in ("Design the schema", "Load <the> data", "Ship it")]  # fmt: skip
        await owner.ok("ts.rel.create", _depends(ship, schema))
        await owner.ok("ts.rel.create", _depends(ship, data))
        async with browser(board_over(store)) as person:
            await person.login(owner_key)
            waiting = (await person.get(f"/tasks/{ship}")).text
            awaited = (await person.get(f"/tasks/{schema}")).text
            await owner.ok("ts.tsk.update", {"id": schema, "status": "active"})
            await owner.ok("ts.tsk.update", {"id": schema, "status": "done"})
            half = (await person.get(f"/tasks/{ship}")).text
            await owner.ok("ts.tsk.update", {"id": data, "status": "canceled", "canceled_reason": "not needed"})
            canceled = (await person.get(f"/tasks/{ship}")).text
            await owner.ok("ts.rel.delete", {"id": (await owner.ok("ts.rel.list", {"target_entity_id": data}))["relations"][0]["id"]})
            free = (await person.get(f"/tasks/{ship}")).text

    def waits_for(page: str) -> list[tuple[str, str]] | None:
        found = re.search(r'<dt>Waits for</dt><dd class="blocked-by">(.*?)</dd>', page)
        return None if found is None else re.findall(r'<a href="/tasks/([^"]+)">([^<]*)</a>', found.group(1))

    assert waits_for(waiting) == [(schema, "Design the schema"), (data, "Load &lt;the&gt; data")], waiting
    assert waits_for(awaited) is None, "a task that waits for nothing says nothing of it"
    assert waits_for(half) == [(data, "Load &lt;the&gt; data")], "a done dependency no longer blocks"
    assert waits_for(canceled) == [(data, "Load &lt;the&gt; data")], "a canceled one blocks until its relation goes"
    assert waits_for(free) is None
