"""Creating a task from the board (its title, description, endeavour, assignee, estimate and due
date) through `ts.tsk.create` as the person; a refused form comes back as it was typed, with the
tool's own message beside each field it names, and nothing is created."""

from __future__ import annotations

import re

import pytest

from tests.board_client import board_over, browser
from tests.conftest import connect, make_resource
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio


def field_error(html: str, name: str) -> str:
    found = re.search(rf'<span class="field-error" id="error-{name}">(.*?)</span>', html, re.S)
    assert found is not None, f"no message beside {name}"
    return found.group(1)


async def test_a_member_creates_a_task_with_every_field_through_the_tool(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key) as owner:
        grace, grace_key = await make_resource(owner, "member", "Grace Hopper", type="human")
        release = await owner.ok("ts.edv.create", {"name": "Release 2.4"})
    async with browser(board_over(store)) as person:
        await person.login(grace_key)
        assert 'href="/tasks/new"' in (await person.get("/tasks")).text
        page = (await person.get(f"/tasks/new?endeavour_id={release['id']}")).text
        assert f'<option value="{release["id"]}" selected>Release 2.4</option>' in page  # from its endeavour's page
        fields = await person.form("/tasks/new", "/tasks/new")
        sent = {**fields, "title": "Write the notes", "description": "Line one\r\n- a point", "endeavour_id": release["id"],
                "assignee_id": grace, "estimate": "2.5", "due_date": "2026-12-24"}  # fmt: skip
        made = await person.send("/tasks/new", sent)
        assert made.status_code == 303
        task_id = re.fullmatch(r"/tasks/(tsk_[0-9a-f]+)\?done=created", made.headers["location"]).group(1)  # type: ignore[union-attr]
        again = await person.send("/tasks/new", sent)  # the same form twice: one task
        assert again.headers["location"] == f"/tasks/{task_id}?done=created&again=1"
        assert "Task created." in (await person.get(made.headers["location"])).text
    async with connect(store, owner_key) as owner:
        task = await owner.ok("ts.tsk.get", {"id": task_id})
        listed = await owner.ok("ts.tsk.list", {})
        history = await owner.ok("ts.aud.list", {"entity_id": task_id})
    assert (task["title"], task["description"], task["endeavour_id"], task["assignee_id"], task["estimate"],
            task["due_date"], task["creator_id"]) == ("Write the notes", "Line one\n- a point", release["id"], grace,
                                                      2.5, "2026-12-24", grace)  # fmt: skip
    assert listed["total"] == 1 and history["records"][0]["actor_id"] == grace


async def test_bad_input_shows_the_tools_message_by_each_field_and_keeps_what_was_typed(
    store: Store, owner_key: str
) -> None:
    async with browser(board_over(store)) as person:
        await person.login(owner_key)
        fields = await person.form("/tasks/new", "/tasks/new")
        typed = {"title": "   ", "description": "Keep <this> & that", "estimate": "-1", "due_date": "tomorrow"}
        refused = await person.send("/tasks/new", {**fields, **typed})
        html = refused.text
    assert refused.status_code == 400
    assert field_error(html, "title") == "must not be empty or only white space"
    assert field_error(html, "estimate") == "must be 0 or more"
    assert field_error(html, "due_date").startswith("must be an ISO 8601 date (2026-03-01)")
    assert 'name="title" value="   "' in html and 'name="estimate" value="-1"' in html
    assert 'name="due_date" value="tomorrow"' in html and ">Keep &lt;this&gt; &amp; that</textarea>" in html
    assert re.search(r'name="estimate" value="-1"[^>]*aria-invalid="true" aria-describedby="error-estimate"', html)
    async with connect(store, owner_key) as owner:
        assert (await owner.ok("ts.tsk.list", {}))["total"] == 0


async def test_a_viewer_is_offered_no_create_and_a_sent_form_is_refused(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key) as owner:
        _, viewer_key = await make_resource(owner, "viewer", "Vic")
    async with browser(board_over(store)) as viewer:
        await viewer.login(viewer_key)
        assert 'href="/tasks/new"' not in (await viewer.get("/tasks")).text
        assert (await viewer.get("/tasks/new")).status_code == 403
        csrf = viewer.csrf((await viewer.get("/tasks")).text)
        sent = await viewer.send("/tasks/new", {"csrf": csrf, "idempotency_key": "k1", "title": "Sneaky"})
        assert sent.status_code == 403
    async with connect(store, owner_key) as owner:
        assert (await owner.ok("ts.tsk.list", {}))["total"] == 0


async def test_the_form_offers_open_endeavours_and_active_people_and_the_filters_offer_everyone(
    store: Store, owner_key: str
) -> None:
    async with connect(store, owner_key) as owner:
        gone, _ = await make_resource(owner, "member", "Gone")
        await owner.ok("ts.res.update", {"id": gone, "status": "inactive"})
        shut = await owner.ok("ts.edv.create", {"name": "Shut"})
        await owner.ok("ts.edv.update", {"id": shut["id"], "status": "archived"})
        await owner.ok("ts.edv.create", {"name": "Open"})
    async with browser(board_over(store)) as person:
        await person.login(owner_key)
        form = (await person.get("/tasks/new")).text
        filters = (await person.get("/tasks")).text
    offered = re.findall(r'<option value="\w+_[0-9a-f]+">([^<]+)</option>', form)
    assert "Open" in offered and "owner" in offered and "Shut" not in offered and "Gone" not in offered
    assert {"Open", "Shut", "owner", "Gone"} <= set(re.findall(r'<option value="\w+_[0-9a-f]+">([^<]+)</option>', filters))
