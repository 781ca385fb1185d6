"""Every run shown by what it runs ("Nightly triage (ritual) · run 2"), every person by name, each
a link; the ids stay on the page, small and copyable, never as the label."""

from __future__ import annotations

import re

import pytest

from tests.board_client import Browser
from tests.conftest import Agent, make_resource

pytestmark = pytest.mark.anyio




def linked(html: str, url: str, label: str, id_: str) -> bool:
    """`label` links to `url`, with the id beside it in a small copyable <code>."""
    return bool(re.search(rf'<a href="{re.escape(url)}">{re.escape(label)}</a> <code class="id" title="{id_}">{id_}</code>',
                          html))  # fmt: skip


async def test_now_names_every_run_by_what_it_runs_and_every_assignee_by_name(agent: Agent, person: Browser) -> None:
    ritual = await agent.ok("ts.rtl.create", {"name": "Nightly triage", "prompt": "Sort the new issues."})
    first = await agent.ok("ts.rtr.create", {"ritual_id": ritual["id"]})
    await agent.ok("ts.rtr.update", {"id": first["id"], "status": "failed", "error": {"code": "x", "message": "y"}})
    second = await agent.ok("ts.rtr.create", {"ritual_id": ritual["id"]})
    mission = (await agent.ok("ts.msn.create", {"name": "Ship"}))["data"]["mission_id"]
    mrun = (await agent.ok("ts.mrn.create", {"mission_id": mission}))["data"]["run_id"]
    execution = (await agent.ok("ts.exe.create", {"config_id": "nightly"}))["execution_id"]
    ada, _ = await make_resource(agent, "member", name="Ada")
    task = await agent.ok("ts.tsk.create", {"title": "Write the docs", "assignee_id": ada})
    await agent.ok("ts.tsk.update", {"id": task["id"], "status": "active"})
    now = (await person.get("/")).text
    assert linked(now, f"/ritual-runs/{second['id']}", "Nightly triage (ritual) · run 2", second["id"])
    assert linked(now, f"/ritual-runs/{first['id']}", "Nightly triage (ritual) · run 1", first["id"])  # failed
    assert linked(now, f"/missions/{mission}/runs/{mrun}", "Ship (mission) · run 1", mrun)
    assert linked(now, f"/executions/{execution}", "nightly (config) · run 1", execution)
    assert linked(now, f"/people/{ada}", "Ada", ada)
    assert f">{second['id']}</a>" not in now, "an id is never a link's label"


async def test_a_familys_pages_and_a_runs_page_name_runs_and_people(agent: Agent, person: Browser) -> None:
    me = (await agent.ok("ts.auth.whoami"))["resource_id"]
    ritual = await agent.ok("ts.rtl.create", {"name": "Nightly triage", "prompt": "Sort the new issues."})
    runs = [await agent.ok("ts.rtr.create", {"ritual_id": ritual["id"]}) for _ in range(3)]
    for page in ("/rituals", f"/rituals/{ritual['id']}"):
        html = (await person.get(page)).text
        for number, run in enumerate(runs, 1):
            assert linked(html, f"/ritual-runs/{run['id']}", f"Nightly triage (ritual) · run {number}", run["id"]), page
        assert linked(html, f"/people/{me}", "owner", me), "run_by by name"
    html = (await person.get(f"/ritual-runs/{runs[2]['id']}")).text
    assert "<h1><small>Ritual run</small> Nightly triage (ritual) · run 3</h1>" in html
    assert f'<code class="id" title="{runs[2]["id"]}">' in html
    assert linked(html, f"/rituals/{ritual['id']}", "Nightly triage", ritual["id"]), "the ritual_id field by name"
    history = html[html.index('id="history"') :]
    assert linked(history, f"/people/{me}", "owner", me), "the actor by name"
    flow = await agent.ok("ts.wfl.create", {"name": "Deploy", "main_prompt": "Deploy it."})
    wrun = await agent.ok("ts.wrn.create", {"workflow_id": flow["id"]})
    assert linked((await person.get("/workflows")).text, f"/workflow-runs/{wrun['id']}", "Deploy (workflow) · run 1",
                  wrun["id"])  # fmt: skip


async def test_a_person_has_a_page_with_their_tasks_and_changes_a_click_away(agent: Agent, person: Browser) -> None:
    ada, _ = await make_resource(agent, "member", name="Ada")
    html = (await person.get(f"/people/{ada}")).text
    assert "<h1><small>Agent</small> Ada</h1>" in html
    assert f'href="/tasks?assignee_id={ada}"' in html and f'href="/audit?actor_id={ada}"' in html
    assert (await person.get("/people/res_000000000000000000000000")).status_code == 404
