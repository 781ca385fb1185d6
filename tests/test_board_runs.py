"""The run families' pages show what their tools answer: a mission run's plan, as the tree of
steps `ts.mrn.get` returns beside the run (not inside it)."""

from __future__ import annotations

import re

import pytest

from tests.board_client import Browser
from tests.conftest import connect
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio



async def test_a_mission_runs_page_shows_its_plan_as_a_tree(store: Store, owner_key: str, person: Browser) -> None:
    async with connect(store, owner_key) as agent:
        mission = (await agent.ok("ts.msn.create", {"name": "Ship"}))["data"]["mission_id"]
        run = (await agent.ok("ts.mrn.create", {"mission_id": mission}))["data"]["run_id"]
        steps = [{"step_id": "build", "sequence": 1, "description": "Build the release"},
                 {"step_id": "test", "sequence": 1, "description": "Run the tests", "parent_step_id": "build"},
                 {"step_id": "ship", "sequence": 2, "description": "Ship it"}]  # fmt: skip
        await agent.ok("ts.pln.create", {"mission_id": mission, "run_id": run, "steps": steps})
    html = (await person.get(f"/missions/{mission}/runs/{run}")).text
    plan = re.search(r'<h2 id="plan">Plan</h2>(.*?)</section>', html, re.S)
    assert plan is not None, "the plan is not shown"
    tree = plan.group(1)
    # The child sits in a list nested inside its parent's item, before the next top-level step.
    assert re.search(r"Build the release.*?<ul class=\"tree\">.*?Run the tests.*?</ul>.*?Ship it", tree, re.S)
    assert tree.count('<ul class="tree">') == 2
