"""What `ts.tsk.list {ready: true}` calls ready, `ts.tsk.claim` can take (issue 32: "never skip a
ready task while a claimer gets nothing"): a claimer told `{task: null}` must not see ready tasks
in the list, nor one that a claim refuses."""

from __future__ import annotations

import pytest

from tests.conftest import Agent

pytestmark = pytest.mark.anyio


async def test_a_task_of_an_archived_endeavour_is_neither_listed_ready_nor_claimed(owner: Agent) -> None:
    """Found on the claim branch (f126f5f..f42df36): a planned task of an archived endeavour was in
    the ready list (no dependencies), while the claim's pick leaves archived endeavours out and
    answers `{task: null}` (a claim by its id is refused: the endeavour's tasks are frozen)."""
    home = await owner.ok("ts.edv.create", {"name": "finished work"})
    task = await owner.ok("ts.tsk.create", {"title": "left over", "endeavour_id": home["id"]})
    await owner.ok("ts.edv.update", {"id": home["id"], "status": "archived"})
    ready = [t["id"] for t in (await owner.ok("ts.tsk.list", {"ready": True}))["tasks"]]
    claimed = (await owner.ok("ts.tsk.claim", {}))["task"]
    if claimed is None:
        assert ready == [], f"{ready} listed ready, yet the claim answered {{task: null}}"
    else:
        assert claimed["id"] in ready and claimed["id"] == task["id"]
