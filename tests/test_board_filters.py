"""Lists of runs filter by kind and status with labelled controls (a GET form: no JavaScript
needed) and page, on Now and on each family's pages; the pages' links keep the filters."""

from __future__ import annotations

import re

import pytest

from tests.board_client import Browser
from tests.conftest import Agent
from worktrail.board.view import PAGE

pytestmark = pytest.mark.anyio




def runs_shown(html: str, section: str) -> list[str]:
    """The ids of the runs a section's table shows (each row's first cell's copyable id)."""
    found = re.search(section, html, re.I)
    assert found is not None, f"no {section} on the page"
    start = found.start()
    table = html[start : html.index("</table>", start)] if "<table>" in html[start:] else ""
    return re.findall(r'<tr[^>]*>\s*(?:<td[^>]*>[^<]*</td>\s*)?<td[^>]*>(?:<a [^>]*>[^<]*</a> )?<code class="id" title="([^"]+)"',
                      table)  # fmt: skip


async def test_now_filters_runs_by_kind_and_status_with_labelled_controls(agent: Agent, person: Browser) -> None:
    ritual = await agent.ok("ts.rtl.create", {"name": "Nightly triage", "prompt": "Sort the new issues."})
    running = (await agent.ok("ts.rtr.create", {"ritual_id": ritual["id"]}))["id"]
    failed = (await agent.ok("ts.rtr.create", {"ritual_id": ritual["id"]}))["id"]
    await agent.ok("ts.rtr.update", {"id": failed, "status": "failed", "error": {"code": "x", "message": "y"}})
    execution = (await agent.ok("ts.exe.create", {"config_id": "nightly"}))["execution_id"]
    html = (await person.get("/")).text
    assert '<label>Kind <select name="kind">' in html and '<label>Status <select name="status">' in html
    assert set(runs_shown(html, 'id="under-way"')) == {running, execution}
    html = (await person.get("/?kind=execution")).text
    assert runs_shown(html, 'id="under-way"') == [execution]
    assert '<option value="execution" selected>' in html
    html = (await person.get("/?status=failed&kind=ritual_run")).text
    assert runs_shown(html, 'id="under-way"') == [failed] and "Runs failed" in html
    assert '<option value="failed" selected>' in html
    assert "No run matches." in (await person.get("/?status=cancelled")).text
    refused = await person.get("/?kind=bogus")
    assert refused.status_code == 400 and "kind" in refused.text


async def test_now_pages_its_runs_keeping_the_filters(agent: Agent, person: Browser) -> None:
    ritual = await agent.ok("ts.rtl.create", {"name": "Nightly triage", "prompt": "Sort the new issues."})
    made = [(await agent.ok("ts.rtr.create", {"ritual_id": ritual["id"]}))["id"] for _ in range(PAGE + 2)]
    first = (await person.get("/?kind=ritual_run")).text
    assert len(runs_shown(first, 'id="under-way"')) == PAGE and 'rel="prev"' not in first
    assert f'href="?offset={PAGE}&amp;kind=ritual_run" rel="next"' in first
    second = (await person.get(f"/?offset={PAGE}&kind=ritual_run")).text
    assert set(runs_shown(second, 'id="under-way"')) == set(made[:2])  # newest first: the two oldest last
    assert 'href="?offset=0&amp;kind=ritual_run" rel="prev"' in second and 'rel="next"' not in second


async def test_each_familys_runs_filter_by_status_and_page(agent: Agent, person: Browser) -> None:
    ritual = await agent.ok("ts.rtl.create", {"name": "Nightly triage", "prompt": "Sort the new issues."})
    runs = [(await agent.ok("ts.rtr.create", {"ritual_id": ritual["id"]}))["id"] for _ in range(PAGE + 2)]
    await agent.ok("ts.rtr.update", {"id": runs[0], "status": "succeeded"})
    for page in ("/rituals", f"/rituals/{ritual['id']}"):
        html = (await person.get(f"{page}?status=succeeded")).text
        assert '<label>Status <select name="status">' in html and '<option value="succeeded" selected>' in html
        assert runs_shown(html, "runs <small>") == [runs[0]], page
        html = (await person.get(f"{page}?status=running")).text
        assert len(runs_shown(html, "runs <small>")) == PAGE
        assert f'href="?runs_offset={PAGE}&amp;status=running" rel="next"' in html, page
        html = (await person.get(f"{page}?status=running&runs_offset={PAGE}")).text
        assert runs_shown(html, "runs <small>") == [runs[1]], page
    execution = (await agent.ok("ts.exe.create", {"config_id": "nightly"}))["execution_id"]
    await agent.ok("ts.exe.create", {"config_id": "nightly"})
    await agent.ok("ts.exe.cancel", {"execution_id": execution})
    assert runs_shown((await person.get("/executions?status=cancelled")).text, "Executions <small>") == [execution]
    flow = await agent.ok("ts.wfl.create", {"name": "Deploy", "main_prompt": "Deploy it."})
    await agent.ok("ts.wrn.create", {"workflow_id": flow["id"]})
    assert "None match." in (await person.get(f"/workflows/{flow['id']}?status=success")).text
    mission = (await agent.ok("ts.msn.create", {"name": "Ship"}))["data"]["mission_id"]
    mrun = (await agent.ok("ts.mrn.create", {"mission_id": mission}))["data"]["run_id"]
    assert runs_shown((await person.get("/missions?status=running")).text, "Latest runs <small>") == [mrun]
