"""Editing a task on its page: every field `ts.tsk.update` takes, sent with the version the page was
rendered at; emptying Assignee, Endeavour or Due clears it (seed 001's empty string); a task changed
meanwhile is refused with what changed and a way to reload, nothing overwritten; reopen and cancel
(with a reason) as the lifecycle allows; only what the person's role and the task's rules allow."""

from __future__ import annotations

import re

import pytest

from tests.board_client import Browser, board_over, browser
from tests.conftest import connect, make_resource
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio


async def edit(person: Browser, task_id: str, **changes: str) -> tuple[dict[str, str], object]:
    """The edit form as the page rendered it (hidden fields and shown values), sent with `changes`."""
    page = f"/tasks/{task_id}"
    html = (await person.get(page)).text
    form = re.search(rf'<form method="post" action="{page}/edit"(.*?)</form>', html, re.S).group(1)  # type: ignore[union-attr]
    fields = dict(re.findall(r'<input type="\w+" name="(\w+)" value="([^"]*)"', form))
    fields["description"] = re.search(r'<textarea name="description"[^>]*>(.*?)</textarea>', form, re.S).group(1)  # type: ignore[union-attr]
    for name in ("endeavour_id", "assignee_id"):
        chosen = re.search(rf'<select name="{name}".*?<option value="([^"]*)" selected>', form, re.S)
        fields[name] = chosen.group(1) if chosen else ""
    fields = {**fields, **changes}
    return fields, await person.send(f"{page}/edit", fields)


async def test_every_field_is_edited_and_emptying_clears(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key) as owner:
        grace, grace_key = await make_resource(owner, "member", "Grace")
        linus, _ = await make_resource(owner, "member", "Linus")
        first = await owner.ok("ts.edv.create", {"name": "First"})
        second = await owner.ok("ts.edv.create", {"name": "Second"})
        made = await owner.ok("ts.tsk.create", {"title": "Old", "endeavour_id": first["id"], "assignee_id": grace,
                                                "estimate": 1, "due_date": "2026-12-01"})  # fmt: skip
    async with browser(board_over(store)) as person:
        await person.login(grace_key)
        fields, saved = await edit(person, made["id"], title="New", description="Now **bold**", endeavour_id=second["id"],
                                   assignee_id=linus, estimate="4", actual="2.5", due_date="2026-12-24T17:00:00Z")  # fmt: skip
        assert fields["expected_version"] == "1"
        assert saved.status_code == 303 and saved.headers["location"] == f"/tasks/{made['id']}?done=saved"  # type: ignore[attr-defined]
        async with connect(store, owner_key) as owner:
            task = await owner.ok("ts.tsk.get", {"id": made["id"]})
            assert (task["title"], task["description"], task["endeavour_id"], task["assignee_id"], task["estimate"],
                    task["actual"], task["due_date"]) == ("New", "Now **bold**", second["id"], linus, 4, 2.5,
                                                          "2026-12-24T17:00:00Z")  # fmt: skip
            assert (await owner.ok("ts.aud.list", {"entity_id": made["id"]}))["records"][-1]["actor_id"] == grace
        _, cleared = await edit(person, made["id"], assignee_id="", endeavour_id="", due_date="")
        assert cleared.status_code == 303  # type: ignore[attr-defined]
        async with connect(store, owner_key) as owner:
            task = await owner.ok("ts.tsk.get", {"id": made["id"]})
        assert "assignee_id" not in task and "endeavour_id" not in task and "due_date" not in task
        assert task["title"] == "New" and task["version"] == 3
        _, unchanged = await edit(person, made["id"])  # nothing typed differs: no call, no new version
        assert unchanged.headers["location"].endswith("?done=unchanged")  # type: ignore[attr-defined]
        async with connect(store, owner_key) as owner:
            assert (await owner.ok("ts.tsk.get", {"id": made["id"]}))["version"] == 3


async def test_a_task_changed_meanwhile_is_a_conflict_that_says_what_changed_and_overwrites_nothing(
    store: Store, owner_key: str
) -> None:
    async with connect(store, owner_key) as owner:
        made = await owner.ok("ts.tsk.create", {"title": "Plan", "description": "as it was"})
    async with browser(board_over(store)) as person:
        await person.login(owner_key)
        page = f"/tasks/{made['id']}"
        html = (await person.get(page)).text
        form = re.search(rf'<form method="post" action="{page}/edit"(.*?)</form>', html, re.S).group(1)  # type: ignore[union-attr]
        fields = dict(re.findall(r'<input type="\w+" name="(\w+)" value="([^"]*)"', form))
        async with connect(store, owner_key) as agent:  # an agent changes it after the page was rendered
            await agent.ok("ts.tsk.update", {"id": made["id"], "title": "Plan B", "assignee_id": ""})
            await agent.ok("ts.tsk.update", {"id": made["id"], "estimate": 3})
        refused = await person.send(f"{page}/edit", {**fields, "title": "Plan", "description": "mine, typed"})
    assert refused.status_code == 409
    conflict = re.search(r'<div class="refused" role="alert" id="conflict">(.*?)</div>', refused.text, re.S).group(1)  # type: ignore[union-attr]
    assert "Title, Estimate (hours) changed" in conflict and f'<a href="{page}">Reload the task</a>' in conflict
    assert ">mine, typed</textarea>" in refused.text and 'name="expected_version" value="1"' in refused.text
    async with connect(store, owner_key) as owner:
        task = await owner.ok("ts.tsk.get", {"id": made["id"]})
    assert (task["title"], task["description"], task["estimate"], task["version"]) == ("Plan B", "as it was", 3, 3)


async def test_the_same_edit_form_sent_twice_changes_once(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key) as owner:
        made = await owner.ok("ts.tsk.create", {"title": "Once"})
    async with browser(board_over(store)) as person:
        await person.login(owner_key)
        fields, first = await edit(person, made["id"], title="Twice?")
        second = await person.send(f"/tasks/{made['id']}/edit", fields)
    assert second.headers["location"] == f"/tasks/{made['id']}?done=saved&again=1"
    async with connect(store, owner_key) as owner:
        records = (await owner.ok("ts.aud.list", {"entity_id": made["id"]}))["records"]
    assert [r["action"] for r in records] == ["create", "update"]


def offered(html: str) -> list[str]:
    return re.findall(r'name="status" value="(\w+)">.*?<button type="submit"[^>]*>([^<]+)<', html, re.S)


async def test_reopen_and_cancel_as_the_lifecycle_and_the_person_allow(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key) as owner:
        _, member_key = await make_resource(owner, "member", "Ada")
        _, viewer_key = await make_resource(owner, "viewer", "Vic")
        done = await owner.ok("ts.tsk.create", {"title": "Done one"})
        for step in ("active", "done"):
            await owner.ok("ts.tsk.update", {"id": done["id"], "status": step})
        planned = await owner.ok("ts.tsk.create", {"title": "Planned one"})
        archive = await owner.ok("ts.edv.create", {"name": "Old"})
        shelved = await owner.ok("ts.tsk.create", {"title": "Shelved", "endeavour_id": archive["id"]})
        await owner.ok("ts.edv.update", {"id": archive["id"], "status": "archived"})
    async with browser(board_over(store)) as boss:
        await boss.login(owner_key)
        assert [label for _, label in offered((await boss.get(f"/tasks/{done['id']}")).text)] == ["Reopen"]
        page = f"/tasks/{planned['id']}"
        assert offered((await boss.get(page)).text) == [("active", "Move to active"), ("canceled", "Cancel")]
        canceled = await boss.act(page, f"{page}/move", status="canceled", reason="Not needed")
        assert canceled.headers["location"] == f"{page}?done=moved"
        html = (await boss.get(page)).text
        assert offered(html) == [("planned", "Reopen")] and "Not needed" in html
        assert "/edit" not in (await boss.get(f"/tasks/{shelved['id']}")).text  # its endeavour is archived
    async with browser(board_over(store)) as ada:
        await ada.login(member_key)
        assert offered((await ada.get(f"/tasks/{done['id']}")).text) == [("active", "Reopen")]
        assert 'action="/tasks/' in (await ada.get(f"/tasks/{done['id']}")).text  # a member edits
    async with browser(board_over(store)) as vic:
        await vic.login(viewer_key)
        html = (await vic.get(f"/tasks/{done['id']}")).text
        assert re.findall(r'<form method="post" action="([^"]+)"', html) == ["/logout"]  # a viewer sees no forms
