"""Planning on the board in Chromium: a card dragged to another column moves its task through the
tool, without a reload; a refused drag puts the card back and says the tool's message; the card's
own move form does the same from the keyboard; a task created and edited through the board's
forms; a hostile description runs nothing. Screenshots go to tests/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browsers import Served, shot
from tests.test_board_browser import log_in

pytestmark = [pytest.mark.processes, pytest.mark.browser]




def column(page: Any, status: str) -> Any:
    return page.locator(f'section.column[data-status="{status}"]')


def card(page: Any, task_id: str) -> Any:
    return page.locator(f'li.card[data-task="{task_id}"]')


def test_a_dragged_card_moves_its_task_and_a_refused_drag_goes_back_with_the_tools_message(
    served: Served, page: Any
) -> None:
    made = served.owner.ok("ts.tsk.create", {"title": "Drag me"})
    log_in(page, served.base, served.owner_key)
    page.goto(f"{served.base}/tasks")
    page.evaluate("window.notReloaded = true")
    card(page, made["id"]).drag_to(column(page, "active"))
    column(page, "active").locator(f'li.card[data-task="{made["id"]}"]').wait_for()
    deadline_ok = served.owner.ok("ts.tsk.get", {"id": made["id"]})
    assert deadline_ok["status"] == "active" and page.evaluate("window.notReloaded") is True
    shot(page, "drag-moved")
    refused = served.owner.ok("ts.tsk.create", {"title": "Not straight to done"})
    page.reload()
    card(page, refused["id"]).drag_to(column(page, "done"))
    said = page.locator("#drag-said")
    said.wait_for(state="visible")
    assert "planned" in said.inner_text() and "done" in said.inner_text()  # the tool's own words
    assert column(page, "planned").locator(f'li.card[data-task="{refused["id"]}"]').count() == 1
    assert served.owner.ok("ts.tsk.get", {"id": refused["id"]})["status"] == "planned"
    history = served.owner.ok("ts.aud.list", {"entity_id": made["id"]})["records"]
    assert [r["action"] for r in history] == ["create", "update"]
    shot(page, "drag-refused")


def test_the_keyboard_moves_a_card_with_its_own_form(served: Served, page: Any) -> None:
    made = served.owner.ok("ts.tsk.create", {"title": "Keyboard only"})
    log_in(page, served.base, served.owner_key)
    page.goto(f"{served.base}/tasks")
    chooser = page.get_by_label("Move “Keyboard only” to")
    chooser.focus()
    page.keyboard.press("Tab")  # to the card's Move button
    assert page.evaluate("document.activeElement.textContent") == "Move"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{served.base}/tasks?done=moved")
    assert column(page, "active").locator(f'li.card[data-task="{made["id"]}"]').count() == 1
    assert page.get_by_text("Moved.").is_visible()
    assert served.owner.ok("ts.tsk.get", {"id": made["id"]})["status"] == "active"


def test_a_person_creates_and_edits_a_task_and_a_hostile_description_runs_nothing(served: Served, page: Any) -> None:
    served.owner.ok("ts.edv.create", {"name": "Release 2.4"})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    elsewhere: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(served.base) else elsewhere.append(r.url))
    log_in(page, served.base, served.owner_key)
    page.goto(f"{served.base}/tasks")
    page.get_by_role("link", name="New task").click()
    page.get_by_label("Title").fill("Write the notes")
    page.get_by_label("Description").fill("See [the guide](https://example.org)\n\n<script>alert(1)</script>\n"
                                          "[x](javascript:alert(2)) ![p](https://evil.example/p.png)")  # fmt: skip
    page.get_by_label("Endeavour").select_option(label="Release 2.4")
    page.get_by_label("Estimate (hours)").fill("-2")
    page.get_by_role("button", name="Create the task").click()
    assert page.locator("#error-estimate").inner_text() == "must be 0 or more"
    assert page.get_by_label("Title").input_value() == "Write the notes"
    page.get_by_label("Estimate (hours)").fill("2")
    page.get_by_role("button", name="Create the task").click()
    page.get_by_text("Task created.").wait_for()
    assert page.get_by_role("link", name="the guide").get_attribute("href") == "https://example.org"
    assert dialogs == [] and elsewhere == [] and page.locator(".markdown script").count() == 0
    shot(page, "task-created")
    page.get_by_label("Endeavour").select_option("")
    page.get_by_label("Actual (hours)").fill("1.5")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved.").wait_for()
    task_id = page.url.split("/tasks/")[1].split("?")[0]
    task = served.owner.ok("ts.tsk.get", {"id": task_id})
    assert "endeavour_id" not in task and task["actual"] == 1.5 and task["estimate"] == 2
    shot(page, "task-edited")


def test_the_planning_pages_read_at_375_px_without_scrolling_sideways(served: Served, chromium: Any) -> None:
    release = served.owner.ok("ts.edv.create", {"name": "A rather long endeavour name " * 4, "goals": ["Ship"]})
    made = served.owner.ok("ts.tsk.create", {"title": "A rather long title " * 6, "endeavour_id": release["id"],
                                             "estimate": 3, "due_date": "2026-01-01", "description": "`" + "x" * 120 + "`"})  # fmt: skip
    context = chromium.new_context(viewport={"width": 375, "height": 812})
    narrow = context.new_page()
    log_in(narrow, served.base, served.owner_key)
    for path in ("/tasks", "/tasks/new", f"/tasks/{made['id']}", "/endeavours", "/endeavours/new",
                 f"/endeavours/{release['id']}"):  # fmt: skip
        narrow.goto(f"{served.base}{path}")
        width = narrow.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width} px wide at 375"
        shot(narrow, f"375{path.replace('/', '_')}")
    context.close()
