"""The board as the server answers it: who gets in and for how long, what a forged or cross-origin
form gets (403, nothing changed), what each role is offered, that actions go through the tools as
the person (audited under their name, once per form), and that no page holds a secret or runs
what an agent wrote. The browser tests (test_board_browser.py) drive the same pages in Chromium."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.board_client import ORIGIN, Browser, board_over, browser
from tests.conftest import Agent, PinnedClock, make_resource
from worktrail.board.auth import COOKIE
from worktrail.domain.lifecycles import TASK
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio




async def task(agent: Agent, title: str = "Write the docs") -> dict:  # type: ignore[type-arg]
    return await agent.ok("ts.tsk.create", {"title": title})


async def test_a_key_logs_in_with_a_strict_httponly_cookie_and_is_never_echoed(store: Store, owner_key: str) -> None:
    async with browser(board_over(store)) as b:
        assert (await b.get("/")).headers["location"].startswith("/login")
        answer = await b.login(owner_key)
        assert answer.status_code == 303 and answer.headers["location"] == "/"
        cookie = answer.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
        assert owner_key not in cookie
        assert (await b.get("/")).status_code == 200
    async with browser(board_over(store)) as b:
        refused = await b.login(owner_key[:-2] + "00")
        assert refused.status_code == 401 and "was not accepted" in refused.text
        assert owner_key[:-2] not in refused.text and COOKIE not in refused.headers.get("set-cookie", "")


async def test_the_cookie_is_secure_under_tls(store: Store, owner_key: str) -> None:
    async with browser(board_over(store, secure=True)) as b:
        b.http.headers["Origin"] = "https://127.0.0.1"
        answer = await b.http.post("/login", data={"api_key": owner_key}, headers={"Origin": "https://127.0.0.1"})
        assert "secure" in answer.headers["set-cookie"].lower()


async def test_a_one_time_address_logs_in_once_within_five_minutes(store: Store, owner_key: str) -> None:
    clock = PinnedClock("2026-12-03T10:00:00Z")
    async with browser(board_over(store, clock, ticket_origin=ORIGIN)) as b:
        ticket = await store.board_sessions.ticket(clock.now(), ORIGIN)
        first = await b.get(f"/login/once?token={ticket}")
        assert first.status_code == 303 and COOKIE in first.headers["set-cookie"]
        assert "owner" in (await b.get("/")).text
    async with browser(board_over(store, clock, ticket_origin=ORIGIN)) as again:
        used = await again.get(f"/login/once?token={ticket}")
        assert used.status_code == 401 and "already used or has expired" in used.text
        late = await store.board_sessions.ticket(clock.now(), ORIGIN)
        clock.moment += timedelta(minutes=5, seconds=1)
        assert (await again.get(f"/login/once?token={late}")).status_code == 401
        assert (await again.get("/")).status_code == 303  # still not logged in


async def test_logout_ends_the_session_even_for_a_copy_of_the_cookie(store: Store, owner_key: str) -> None:
    async with browser(board_over(store)) as b, browser(board_over(store)) as thief:
        await b.login(owner_key)
        thief.http.cookies.set(COOKIE, b.http.cookies[COOKIE])
        assert (await thief.get("/")).status_code == 200
        page = (await b.get("/")).text
        assert (await b.send("/logout", {"csrf": b.csrf(page)})).status_code == 303
        assert (await thief.get("/")).status_code == 303
        assert (await b.get("/tasks")).headers["location"].startswith("/login")


async def test_a_session_expires_on_the_server(store: Store, owner_key: str) -> None:
    clock = PinnedClock("2026-12-03T10:00:00Z")
    async with browser(board_over(store, clock, session_ttl=timedelta(hours=1))) as b:
        await b.login(owner_key)
        assert (await b.get("/")).status_code == 200
        clock.moment += timedelta(hours=1)
        assert (await b.get("/")).status_code == 303


async def test_revoking_the_key_or_deactivating_the_resource_ends_the_session(agent: Agent, store: Store) -> None:
    resource_id, api_key = await make_resource(agent, "member", "Ada")
    async with browser(board_over(store)) as b:
        await b.login(api_key)
        assert (await b.get("/tasks")).status_code == 200
        cookie = b.http.cookies[COOKIE]
        await agent.ok("ts.res.update", {"id": resource_id, "status": "inactive"})
        assert (await b.get("/tasks")).status_code == 303
        await agent.ok("ts.res.update", {"id": resource_id, "status": "active"})
        b.http.cookies.set(COOKIE, cookie)  # a copy kept: the session stays over all the same
        assert (await b.get("/tasks")).status_code == 303
        await b.login(api_key)
        assert (await b.get("/tasks")).status_code == 200
        key_id = (await agent.ok("ts.key.list", {"resource_id": resource_id}))["keys"][0]["id"]
        await agent.ok("ts.key.revoke", {"id": key_id})
        assert (await b.get("/tasks")).status_code == 303


async def test_a_person_moves_a_task_and_the_audit_names_them(agent: Agent, person: Browser) -> None:
    made = await task(agent)
    page = f"/tasks/{made['id']}"
    offered = re.findall(r'name="status" value="(\w+)"', (await person.get(page)).text)
    assert offered == list(TASK.allowed("planned"))  # from the lifecycle, in its order
    moved = await person.act(page, f"{page}/move", status="active")
    assert moved.status_code == 303 and moved.headers["location"] == f"{page}?done=moved"
    assert (await agent.ok("ts.tsk.get", {"id": made["id"]}))["status"] == "active"
    audit = await agent.ok("ts.aud.list", {"entity_id": made["id"]})
    assert audit["records"][-1]["actor_id"] == agent.session.actor.resource_id  # type: ignore[union-attr]
    assert audit["records"][-1]["changes"]["status"] == ["planned", "active"]
    assert "Moved." in (await person.get(f"{page}?done=moved")).text


async def test_a_double_submitted_form_changes_once(agent: Agent, person: Browser) -> None:
    made = await task(agent)
    page = f"/tasks/{made['id']}"
    fields = {**await person.form(page, f"{page}/move"), "status": "active"}
    first = await person.send(f"{page}/move", fields)
    second = await person.send(f"{page}/move", fields)
    assert (
        second.headers["location"] == f"{page}?done=moved&again=1"
        and first.headers["location"] != second.headers["location"]
    )
    history = await agent.ok("ts.aud.list", {"entity_id": made["id"]})
    assert [r["action"] for r in history["records"]] == ["create", "update"]
    assert "nothing changed again" in (await person.get(second.headers["location"])).text


async def test_a_refused_action_shows_the_tools_own_message(agent: Agent, person: Browser) -> None:
    made = await task(agent)
    page = f"/tasks/{made['id']}"
    fields = await person.form(page, f"{page}/move")
    await agent.ok("ts.tsk.update", {"id": made["id"], "status": "active"})
    await agent.ok("ts.tsk.update", {"id": made["id"], "status": "done"})
    refused = await person.send(f"{page}/move", {**fields, "status": "canceled", "reason": "late"})
    assert refused.status_code == 303 and refused.headers["location"] == page  # back on the task's page
    shown = await person.get(page)
    assert shown.status_code == 409
    assert "Cannot move the task from done to canceled; allowed from done: active." in shown.text


async def test_a_cross_origin_or_forged_form_is_403_and_changes_nothing(agent: Agent, person: Browser) -> None:
    made = await task(agent)
    page, action = f"/tasks/{made['id']}", f"/tasks/{made['id']}/move"
    fields = {**await person.form(page, action), "status": "active"}
    other_port = await person.send(action, fields, origin="http://127.0.0.1:9999")
    elsewhere = await person.send(action, fields, origin="https://evil.example")
    no_token = await person.send(action, {k: v for k, v in fields.items() if k != "csrf"})
    wrong_token = await person.send(action, {**fields, "csrf": "0" * 64})
    assert [r.status_code for r in (other_port, elsewhere, no_token, wrong_token)] == [403] * 4
    assert (await agent.ok("ts.tsk.get", {"id": made["id"]}))["status"] == "planned"
    assert len((await agent.ok("ts.aud.list", {"entity_id": made["id"]}))["records"]) == 1


async def test_a_host_the_board_does_not_answer_to_is_421(store: Store, owner_key: str) -> None:
    async with browser(board_over(store), host="rebound.example") as b:
        assert (await b.get("/")).status_code == 421
        assert (await b.get("/login")).status_code == 421
    async with browser(board_over(store, allowed_hosts=("board.example",)), host="board.example") as b:
        assert (await b.get("/login")).status_code == 200


async def test_a_viewer_sees_no_action_and_a_forged_one_is_refused(agent: Agent, store: Store) -> None:
    made = await task(agent)
    _, viewer_key = await make_resource(agent, "viewer", "Vic")
    page = f"/tasks/{made['id']}"
    async with browser(board_over(store)) as viewer:
        await viewer.login(viewer_key)
        html = (await viewer.get(page)).text
        assert made["title"] in html and 'action="' + page + '/move"' not in html and "<button" in html  # logout only
        assert html.count("<button") == 1
        forged = await viewer.send(f"{page}/move", {"csrf": viewer.csrf(html), "status": "active"})
        assert forged.status_code == 303 and forged.headers["location"] == page
        shown = await viewer.get(page)
        assert shown.status_code == 403 and "needs the role member" in shown.text
        assert (await viewer.get("/keys")).status_code == 403
    assert (await agent.ok("ts.tsk.get", {"id": made["id"]}))["status"] == "planned"


async def test_what_an_agent_writes_shows_as_text(agent: Agent, person: Browser) -> None:
    made = await task(agent, "<img src=x onerror=alert(1)>")
    for page in ("/", "/tasks", f"/tasks/{made['id']}", "/audit"):
        html = (await person.get(page)).text
        assert "<img src=x" not in html, page
    assert "&lt;img src=x onerror=alert(1)&gt;" in (await person.get(f"/tasks/{made['id']}")).text


async def test_every_page_renders_and_none_holds_a_secret_or_a_key(
    agent: Agent, person: Browser, owner_key: str
) -> None:
    secret = "hunter2-very-secret"
    flow = await agent.ok("ts.wfl.create", {"name": "Deploy", "main_prompt": "Deploy it."})
    run = await agent.ok("ts.wrn.create", {"workflow_id": flow["id"], "sensitive_input_values": {"password": secret}})
    await agent.ok("ts.att.create", {"run_id": run["id"], "filename": "log.txt", "kind": "input",
                                     "content_base64": "aGVsbG8="})  # fmt: skip
    mission = (await agent.ok("ts.msn.create", {"name": "Ship"}))["data"]["mission_id"]
    mrun = (await agent.ok("ts.mrn.create", {"mission_id": mission}))["data"]["run_id"]
    step = {"step_id": "s1", "sequence": 1, "description": "Build"}
    await agent.ok("ts.pln.create", {"mission_id": mission, "run_id": mrun, "steps": [step]})
    await agent.ok("ts.evt.log", {"mission_id": mission, "run_id": mrun, "type": "message", "summary": "hi"})
    ritual = await agent.ok("ts.rtl.create", {"name": "Standup", "prompt": "Say it."})
    await agent.ok("ts.rtr.create", {"ritual_id": ritual["id"]})
    await agent.ok("ts.exe.create", {"config_id": "nightly"})
    await task(agent)
    seen, todo = set(), ["/"]
    while todo:
        page = todo.pop()
        if page in seen or page.startswith("/static"):
            continue
        seen.add(page)
        answer = await person.get(page)
        assert answer.status_code == 200, page
        assert secret not in answer.text and owner_key not in answer.text, page
        todo += [h.replace("&amp;", "&") for h in re.findall(r'href="(/[^"#]*)"', answer.text)]
    kinds = {p.split("/")[1] for p in seen}
    assert {"", "tasks", "rituals", "ritual-runs", "missions", "workflows", "workflow-runs", "executions",
            "audit", "keys", "apps", "attachments"} <= kinds  # fmt: skip
    assert len(seen) > 20


async def test_the_task_board_filters_into_its_columns(agent: Agent, person: Browser) -> None:
    resource_id, _ = await make_resource(agent, "member", "Ada")
    mine = await agent.ok("ts.tsk.create", {"title": "Plan the harvest", "assignee_id": resource_id})
    await agent.ok("ts.tsk.update", {"id": mine["id"], "status": "active"})
    await task(agent, "Plant the seeds")

    def column(html: str, status: str) -> str:
        found = re.search(rf'id="col-{status}".*?</section>', html, re.S)
        assert found is not None
        return found.group(0)

    searched = (await person.get("/tasks?search=harv")).text
    assert "Plan the harvest" in column(searched, "active") and "Plant the seeds" not in searched
    assert "1 task matches" in searched
    assigned = (await person.get(f"/tasks?assignee_id={resource_id}")).text
    assert "Plan the harvest" in column(assigned, "active") and "Ada" in column(assigned, "active")
    assert "Plant the seeds" not in assigned
    everything = (await person.get("/tasks")).text
    assert "Plant the seeds" in column(everything, "planned")


async def test_every_run_action_goes_through_its_tool(agent: Agent, person: Browser, store: Store) -> None:
    mission = (await agent.ok("ts.msn.create", {"name": "Ship"}))["data"]["mission_id"]
    run = (await agent.ok("ts.mrn.create", {"mission_id": mission}))["data"]["run_id"]
    page = f"/missions/{mission}/runs/{run}"
    for act, status in (("pause", "paused"), ("resume", "running"), ("cancel", "cancelled")):
        done = await person.act(page, f"{page}/{act}", **({"reason": "by hand"} if act != "resume" else {}))
        assert done.status_code == 303, (act, done.text[:300])
        got = await agent.ok("ts.mrn.get", {"mission_id": mission, "run_id": run})
        assert got["data"]["status"] == status
    assert "<button" not in (await person.get(page)).text.split("Log out")[1]  # final: nothing more to do
    flow = await agent.ok("ts.wfl.create", {"name": "Report", "main_prompt": "Write it."})
    wrun = await agent.ok("ts.wrn.create", {"workflow_id": flow["id"]})
    wpage = f"/workflow-runs/{wrun['id']}"
    assert (await person.act(wpage, f"{wpage}/cancel")).status_code == 303
    assert (await agent.ok("ts.wrn.get", {"id": wrun["id"]}))["status"] == "cancelled"
    assert (await person.act(wpage, f"{wpage}/retry")).status_code == 303
    assert (await agent.ok("ts.wrn.get", {"id": wrun["id"]}))["attempt"] == 2
    execution = (await agent.ok("ts.exe.create", {"config_id": "nightly"}))["execution_id"]
    epage = f"/executions/{execution}"
    assert (await person.act(epage, f"{epage}/cancel", reason="not needed")).status_code == 303
    shown = (await person.get(epage)).text
    assert "(was running)" in shown and "cancelled" in shown
    resource_id, _ = await make_resource(agent, "member", "Temp")
    key_id = (await agent.ok("ts.key.list", {"resource_id": resource_id}))["keys"][0]["id"]
    assert (await person.act("/keys", f"/keys/{key_id}/revoke")).status_code == 303
    assert (await agent.ok("ts.key.list", {"resource_id": resource_id}))["keys"][0].get("revoked_at")
    records = (await agent.ok("ts.aud.list", {"actor_id": "me", "limit": 50}))["records"]
    assert {"ts.mrn.pause", "ts.mrn.resume", "ts.mrn.cancel", "ts.wrn.update", "ts.wrn.retry", "ts.exe.cancel",
            "ts.key.revoke"} <= {r["tool"] for r in records}  # fmt: skip
