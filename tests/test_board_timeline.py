"""A run's page has the timeline of its status changes, each with who moved it and how long it
lasted (from the change records); a mission run's page shows its plan as a tree of steps, each
with its status."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.board_client import board_over, browser
from tests.conftest import PinnedClock, connect
from worktrail.board.timeline import timeline
from worktrail.domain.clock import parse_ts
from worktrail.store.store import Store


def record(at: str, action: str = "update", **changes: list[str]) -> dict:  # type: ignore[type-arg]
    return {"at": at, "action": action, "actor_id": "res_1", "changes": changes}


def test_a_timeline_lasts_from_each_move_to_the_next_and_the_last_until_now_unless_over() -> None:
    now = parse_ts("2026-12-07T13:00:00Z")
    records = [record("2026-12-07T12:00:00Z", "create"), record("2026-12-07T12:01:00Z", metadata=[{}, {"a": 1}]),
               record("2026-12-07T12:03:12Z", status=["running", "paused"])]  # fmt: skip
    steps = timeline(records, "paused", frozenset({"failed"}), now)
    assert [(s["status"], s["at"], s.get("lasted"), s["ongoing"]) for s in steps] == [
        ("running", "2026-12-07T12:00:00Z", "3 min 12 s", False), ("paused", "2026-12-07T12:03:12Z", "56 min 48 s", True)
    ]  # fmt: skip
    over = timeline([*records, record("2026-12-07T12:10:00Z", status=["paused", "failed"])], "failed",
                    frozenset({"failed"}), now)  # fmt: skip
    assert over[-1]["status"] == "failed" and "lasted" not in over[-1] and over[1]["lasted"] == "6 min 48 s"
    assert timeline([record("2026-12-07T12:00:00Z", "create")], "running", frozenset(), now)[0]["lasted"] == "1 h"


@pytest.mark.anyio
async def test_a_runs_page_shows_its_timeline_and_a_mission_runs_plan_its_steps_statuses(
    store: Store, owner_key: str
) -> None:
    clock = PinnedClock("2026-12-07T12:00:00Z")
    async with connect(store, owner_key, clock=clock) as agent:
        ritual = await agent.ok("ts.rtl.create", {"name": "Nightly triage", "prompt": "Sort the new issues."})
        run = await agent.ok("ts.rtr.create", {"ritual_id": ritual["id"]})
        clock.moment += timedelta(minutes=3, seconds=12)
        await agent.ok("ts.rtr.update", {"id": run["id"], "status": "failed", "error": {"code": "x", "message": "y"}})
        mission = (await agent.ok("ts.msn.create", {"name": "Ship"}))["data"]["mission_id"]
        mrun = (await agent.ok("ts.mrn.create", {"mission_id": mission}))["data"]["run_id"]
        ref = {"mission_id": mission, "run_id": mrun}
        steps = [{"step_id": "build", "sequence": 1, "description": "Build the release"},
                 {"step_id": "test", "sequence": 1, "description": "Run the tests", "parent_step_id": "build"},
                 {"step_id": "ship", "sequence": 2, "description": "Ship it"}]  # fmt: skip
        await agent.ok("ts.pln.create", {**ref, "steps": steps})
        await agent.ok("ts.pln.update_step", {**ref, "step_id": "build", "status": "in_progress"})
        await agent.ok("ts.pln.update_step", {**ref, "step_id": "test", "status": "in_progress"})
        await agent.ok("ts.pln.update_step", {**ref, "step_id": "test", "status": "completed"})
        clock.moment += timedelta(minutes=1)
        await agent.ok("ts.mrn.pause", ref)
    clock.moment += timedelta(minutes=2)
    async with browser(board_over(store, clock)) as person:
        assert (await person.login(owner_key)).status_code == 303
        html = (await person.get(f"/ritual-runs/{run['id']}")).text
        shown = re.search(r'<h2 id="timeline">Timeline</h2>(.*?)</section>', html, re.S)
        assert shown is not None, "no timeline"
        items = re.findall(r"<li>(.*?)</li>", shown.group(1), re.S)
        assert len(items) == 2
        assert 's-running">running' in items[0] and "lasted 3 min 12 s" in items[0] and ">owner</a>" in items[0]
        assert 's-failed">failed' in items[1] and "lasted" not in items[1]
        assert 'datetime="2026-12-07T12:03:12Z"' in items[1]
        html = (await person.get(f"/missions/{mission}/runs/{mrun}")).text
        shown = re.search(r'<h2 id="timeline">Timeline</h2>(.*?)</section>', html, re.S)
        assert shown is not None and "for 2 min so far" in shown.group(1) and 's-paused">paused' in shown.group(1)
        plan = re.search(r'<h2 id="plan">Plan</h2>(.*?)</section>', html, re.S)
        assert plan is not None, "the plan is not shown"
        tree = re.sub(r"\s+", " ", plan.group(1))
        assert re.search(r's-in_progress">in_progress</span> Build the release .*?<ul class="tree"> '
                         r'<li><span class="status s-completed">completed</span> Run the tests .*?</ul>.*?'
                         r's-pending">pending</span> Ship it', tree)  # fmt: skip
