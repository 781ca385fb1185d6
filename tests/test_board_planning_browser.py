"""The rest of planning on the board, in Chromium, on either store: an edit made on a task that
changed meanwhile shows the tool's conflict, names what changed and overwrites nothing; a task
canceled with a reason and reopened; an endeavour's page counts its tasks and shows progress; a
mission run's page shows its plan as a tree and a timeline of its moves."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browsers import Served, shot
from tests.test_board_browser import log_in

pytestmark = [pytest.mark.processes, pytest.mark.browser]


def test_an_edit_of_a_task_changed_meanwhile_shows_the_conflict_and_overwrites_nothing(served: Served, page: Any) -> None:
    task = served.owner.ok("ts.tsk.create", {"title": "Write the notes"})
    log_in(page, served.base, served.owner_key)
    page.goto(f"{served.base}/tasks/{task['id']}")
    served.owner.ok("ts.tsk.update", {"id": task["id"], "title": "Write the release notes"})  # an agent, meanwhile
    page.get_by_label("Title").fill("Notes, by the person")
    page.get_by_role("button", name="Save").click()
    alert = page.locator("#conflict")
    alert.wait_for()
    assert "Title changed" in alert.inner_text() and "Nothing was saved" in alert.inner_text()
    assert page.get_by_label("Title").input_value() == "Notes, by the person", "what was typed is kept"
    assert served.owner.ok("ts.tsk.get", {"id": task["id"]})["title"] == "Write the release notes"
    shot(page, "task-conflict")
    page.get_by_role("link", name="Reload the task").click()
    assert page.get_by_label("Title").input_value() == "Write the release notes"


def test_a_task_canceled_with_a_reason_is_reopened(served: Served, page: Any) -> None:
    task = served.owner.ok("ts.tsk.create", {"title": "Maybe later"})
    log_in(page, served.base, served.owner_key)
    page.goto(f"{served.base}/tasks/{task['id']}")
    cancel = page.locator("form.act", has=page.get_by_role("button", name="Cancel"))
    cancel.get_by_label("Why cancel it?").fill("Not this quarter")
    cancel.get_by_role("button", name="Cancel").click()
    page.get_by_role("button", name="Reopen").wait_for()
    stored = served.owner.ok("ts.tsk.get", {"id": task["id"]})
    assert stored["status"] == "canceled" and stored["canceled_reason"] == "Not this quarter"
    page.get_by_role("button", name="Reopen").click()
    page.get_by_text("Reopened.").wait_for()
    assert served.owner.ok("ts.tsk.get", {"id": task["id"]})["status"] == "planned"


def test_an_endeavours_page_and_a_mission_runs_plan_and_timeline(served: Served, page: Any) -> None:
    release = served.owner.ok("ts.edv.create", {"name": "Release 2.4"})
    done = served.owner.ok("ts.tsk.create", {"title": "Tag it", "endeavour_id": release["id"]})
    served.owner.ok("ts.tsk.create", {"title": "Announce it", "endeavour_id": release["id"]})
    for status in ("active", "done"):
        served.owner.ok("ts.tsk.update", {"id": done["id"], "status": status})
    mission = served.owner.ok("ts.msn.create", {"name": "Publish the docs"})["data"]["mission_id"]
    run = served.owner.ok("ts.mrn.create", {"mission_id": mission})["data"]["run_id"]
    where = {"mission_id": mission, "run_id": run}
    served.owner.ok("ts.pln.create", {**where, "steps": [
        {"step_id": "build", "sequence": 1, "description": "Build the site"},
        {"step_id": "links", "sequence": 1, "description": "Check every link", "parent_step_id": "build"}]})  # fmt: skip
    served.owner.ok("ts.pln.update_step", {**where, "step_id": "build", "status": "in_progress"})
    served.owner.ok("ts.mrn.update", {**where, "status": "paused"})
    log_in(page, served.base, served.owner_key)
    page.goto(f"{served.base}/endeavours/{release['id']}")
    assert page.locator("progress").get_attribute("value") == "50", "one of two tasks done"
    assert "Tag it" in page.inner_text("main") and "Announce it" in page.inner_text("main")
    shot(page, "endeavour")
    page.goto(f"{served.base}/missions/{mission}/runs/{run}")
    plan = page.locator(".tree").first
    assert "Build the site" in plan.inner_text() and plan.locator(".tree", has_text="Check every link").count() == 1
    assert plan.locator(".status", has_text="in_progress").count() == 1
    timeline = page.locator(".timeline")
    assert [s.strip() for s in timeline.locator(".status").all_inner_texts()] == ["running", "paused"]
    assert "Publish the docs (mission) · run 1" in page.inner_text("h1")
    shot(page, "mission-run")
