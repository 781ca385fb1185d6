"""The board in a real browser (Debian's Chromium, driven by Playwright): logging in, live
updates from agents over MCP with no reload, acting as a person, forms sent twice or from
another origin, what a viewer sees, what an agent wrote shown as text, secrets never on a page,
a revoked key ending the session, a lost stream, and every page at 375 px. Each test saves a
screenshot of what it checked (tests/screenshots/)."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browsers import Served, board_process, shot
from tests.servers import free_port

pytestmark = [pytest.mark.processes, pytest.mark.browser]

SECRET = "correct-horse-battery-staple"




def log_in(page: Any, base: str, api_key: str) -> None:
    page.goto(f"{base}/")
    assert "/login" in page.url
    page.get_by_label("API key").fill(api_key)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")


def test_log_in_with_a_key(served: Served, page: Any) -> None:
    log_in(page, served.base, served.owner_key)
    assert page.get_by_role("heading", name="Now", level=1).is_visible()
    assert served.owner_key not in page.content() and "token" not in page.url
    shot(page, "login-with-key")


def test_log_in_with_the_one_time_address_once(served: Served, chromium: Any) -> None:
    with board_process(served.db) as address:
        first = chromium.new_context().new_page()
        first.goto(address)
        assert first.url.endswith("/") and first.get_by_role("heading", name="Now").is_visible()
        shot(first, "login-once")
        second = chromium.new_context().new_page()
        second.goto(address)
        assert "already used or has expired" in second.content()
        assert second.get_by_label("API key").is_visible()
        assert second.get_by_role("link", name="Tasks").count() == 0  # the board's nav is not shown
        first.context.close()
        second.context.close()


def some_work(served: Served) -> None:
    """A little of every family, as agents would leave it."""
    agent = served.owner
    edv = agent.ok("ts.edv.create", {"name": "Release 2.4"})
    for title, status in (("Draft the changelog", "done"), ("Update the install guide", "active"),
                          ("Triage new issues", "planned"), ("Benchmark the search", "planned")):  # fmt: skip
        made = agent.ok("ts.tsk.create", {"title": title, "endeavour_id": edv["id"]})
        for step in {"done": ["active", "done"], "active": ["active"], "planned": []}[status]:
            agent.ok("ts.tsk.update", {"id": made["id"], "status": step})
    ritual = agent.ok("ts.rtl.create", {"name": "Morning triage", "prompt": "Sort the new issues."})
    agent.ok("ts.rtr.create", {"ritual_id": ritual["id"]})
    mission = agent.ok("ts.msn.create", {"name": "Ship 2.4"})["data"]["mission_id"]
    run = agent.ok("ts.mrn.create", {"mission_id": mission})["data"]["run_id"]
    agent.ok("ts.mrn.pause", {"mission_id": mission, "run_id": run, "reason": "waiting for review"})
    flow = agent.ok("ts.wfl.create", {"name": "Nightly report", "main_prompt": "Summarise the day."})
    failed = agent.ok("ts.wrn.create", {"workflow_id": flow["id"]})
    agent.ok("ts.wrn.update", {"id": failed["id"], "status": "running"})
    agent.ok("ts.wrn.update", {"id": failed["id"], "status": "error", "error": ["the mail server refused"]})
    agent.ok("ts.exe.create", {"config_id": "import-orders"})


def test_an_agents_change_shows_live_without_a_reload(served: Served, page: Any) -> None:
    some_work(served)
    log_in(page, served.base, served.owner_key)
    shot(page, "now")
    page.goto(f"{served.base}/tasks")
    page.evaluate("window.notReloaded = true")
    page.wait_for_timeout(300)  # the stream is open
    made = served.owner.ok("ts.tsk.create", {"title": "Review the release notes"})
    served.owner.ok("ts.tsk.update", {"id": made["id"], "status": "active"})
    started = time.monotonic()
    page.locator("section.column", has=page.locator("#col-active")).get_by_text("Review the release notes").wait_for(
        timeout=2_000
    )
    assert time.monotonic() - started < 2.0
    assert page.evaluate("window.notReloaded") is True
    shot(page, "live-task-board")


def test_a_person_moves_a_task_and_the_audit_shows_their_name(served: Served, page: Any) -> None:
    key, _ = served.member("member", "Grace Hopper")
    made = served.owner.ok("ts.tsk.create", {"title": "Fix the flaky test"})
    log_in(page, served.base, key)
    page.goto(f"{served.base}/tasks/{made['id']}")
    page.get_by_role("button", name="Move to active").click()
    page.get_by_text("Moved.").wait_for()
    page.goto(f"{served.base}/audit?entity_id={made['id']}")
    row = page.locator("tr", has_text="update")
    assert "Grace Hopper" in row.inner_text() and "planned" in row.inner_text()
    assert served.owner.ok("ts.tsk.get", {"id": made["id"]})["status"] == "active"
    shot(page, "audit-by-name")


def test_a_form_sent_twice_changes_once(served: Served, page: Any) -> None:
    made = served.owner.ok("ts.tsk.create", {"title": "Sent twice"})
    log_in(page, served.base, served.owner_key)
    page.goto(f"{served.base}/tasks/{made['id']}")
    # Twice, as a double click or a resend after a lost answer would: the same form, the same key.
    statuses = page.evaluate("""async () => {
        const form = [...document.querySelectorAll('form.act')].find(f => f.status && f.status.value === 'active');
        const send = () => fetch(form.action, {method: 'POST', body: new FormData(form), redirect: 'follow'});
        const [a, b] = await Promise.all([send(), send()]);
        return [a.status, b.status, await b.text()];
    }""")
    assert statuses[:2] == [200, 200]
    history = served.owner.ok("ts.aud.list", {"entity_id": made["id"]})["records"]
    assert [r["action"] for r in history] == ["create", "update"]
    page.reload()
    shot(page, "sent-twice")


@pytest.fixture
def elsewhere() -> Iterator[tuple[str, list[str]]]:
    """A page on another port of the same host: another origin, that SameSite does not stop."""
    pages: list[str] = [""]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            body = pages[0].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    port = free_port()
    server = http.server.HTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}/", pages
    server.shutdown()


def test_a_viewer_sees_no_action_and_a_cross_origin_form_is_403(
    served: Served, page: Any, elsewhere: tuple[str, list[str]]
) -> None:
    made = served.owner.ok("ts.tsk.create", {"title": "Guarded"})
    viewer_key, _ = served.member("viewer", "Vic")
    log_in(page, served.base, viewer_key)
    page.goto(f"{served.base}/tasks/{made['id']}")
    assert page.get_by_role("button").all_inner_texts() == ["Log out"]
    shot(page, "viewer-no-actions")
    forged = page.evaluate(
        """async (url) => {
        const body = new FormData(); body.set('csrf', document.querySelector('[name=csrf]').value);
        body.set('status', 'active');
        return (await fetch(url, {method: 'POST', body})).status;
    }""",
        f"{served.base}/tasks/{made['id']}/move",
    )
    assert forged == 403
    # The owner, logged in, visits a page on another port that posts a form to the board.
    owner = page.context.browser.new_context().new_page()
    log_in(owner, served.base, served.owner_key)
    url, pages = elsewhere
    pages[0] = (f'<form id="f" method="post" action="{served.base}/tasks/{made["id"]}/move">'
                '<input name="status" value="active"></form><script>f.submit()</script>')  # fmt: skip
    with owner.expect_response(lambda r: "/move" in r.url) as answer:
        owner.goto(url)
    assert answer.value.status == 403
    shot(owner, "cross-origin-403")
    owner.context.close()
    assert served.owner.ok("ts.tsk.get", {"id": made["id"]})["status"] == "planned"


def test_what_an_agent_writes_shows_as_text(served: Served, page: Any) -> None:
    title = "<img src=x onerror=alert(1)>"
    made = served.owner.ok("ts.tsk.create", {"title": title})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, served.base, served.owner_key)
    served.owner.ok("ts.tsk.update", {"id": made["id"], "status": "active"})
    for path in ("/", "/tasks", f"/tasks/{made['id']}"):
        page.goto(f"{served.base}{path}")
        assert page.get_by_text(title).first.is_visible(), path
    assert dialogs == [] and page.locator("img").count() == 0
    shot(page, "text-not-html")


def test_a_secret_is_on_no_page(served: Served, page: Any) -> None:
    flow = served.owner.ok("ts.wfl.create", {"name": "Deploy", "main_prompt": "Deploy it."})
    run = served.owner.ok("ts.wrn.create", {"workflow_id": flow["id"], "sensitive_input_values": {"password": SECRET}})
    log_in(page, served.base, served.owner_key)
    seen: set[str] = set()
    todo = ["/", f"/workflow-runs/{run['id']}", "/workflows", f"/workflows/{flow['id']}", "/audit", "/keys"]
    while todo:
        path = todo.pop()
        if path in seen or path.startswith(("/static", "/attachments")) or len(seen) > 30:
            continue
        seen.add(path)
        page.goto(f"{served.base}{path}")
        assert SECRET not in page.content() and served.owner_key not in page.content(), path
        todo += [h for h in page.eval_on_selector_all("a[href^='/']", "as => as.map(a => a.getAttribute('href'))")]
    page.goto(f"{served.base}/workflow-runs/{run['id']}")
    assert "***" in page.content()
    shot(page, "secret-masked")


def test_revoking_the_key_ends_the_open_session(served: Served, page: Any) -> None:
    key, agent = served.member("member", "Leaving")
    key_id = agent.ok("ts.auth.whoami")["key_id"]
    log_in(page, served.base, key)
    page.goto(f"{served.base}/tasks")
    page.wait_for_timeout(300)
    served.owner.ok("ts.key.revoke", {"id": key_id})
    page.wait_for_url(f"{served.base}/login", timeout=3_000)
    page.goto(f"{served.base}/tasks")
    assert "/login" in page.url
    shot(page, "revoked-session")


def test_a_lost_stream_says_so_and_reconnects(served: Served, page: Any) -> None:
    log_in(page, served.base, served.owner_key)
    page.goto(f"{served.base}/tasks")
    page.wait_for_timeout(300)
    served.stop()
    page.locator("#offline").wait_for(state="visible", timeout=5_000)
    shot(page, "stream-lost")
    served.restart()
    page.locator("#offline").wait_for(state="hidden", timeout=15_000)
    served.owner.ok("ts.tsk.create", {"title": "After the reconnect"})
    page.get_by_text("After the reconnect").wait_for(timeout=3_000)


def test_every_page_reads_at_375_px_without_scrolling_sideways(served: Served, chromium: Any) -> None:
    made = served.owner.ok("ts.tsk.create", {"title": "A rather long title " * 6})
    mission = served.owner.ok("ts.msn.create", {"name": "Ship"})["data"]["mission_id"]
    run = served.owner.ok("ts.mrn.create", {"mission_id": mission})["data"]["run_id"]
    flow = served.owner.ok("ts.wfl.create", {"name": "Report", "main_prompt": "Write it."})
    wrun = served.owner.ok("ts.wrn.create", {"workflow_id": flow["id"]})
    execution = served.owner.ok("ts.exe.create", {"config_id": "nightly"})["execution_id"]
    ritual = served.owner.ok("ts.rtl.create", {"name": "Standup", "prompt": "Say it."})
    rrun = served.owner.ok("ts.rtr.create", {"ritual_id": ritual["id"]})
    pages = ["/login", "/", "/tasks", f"/tasks/{made['id']}", "/rituals", f"/rituals/{ritual['id']}",
             f"/ritual-runs/{rrun['id']}", "/missions", f"/missions/{mission}", f"/missions/{mission}/runs/{run}",
             "/workflows", f"/workflows/{flow['id']}", f"/workflow-runs/{wrun['id']}", "/executions",
             f"/executions/{execution}", "/audit", "/keys", "/apps"]  # fmt: skip
    context = chromium.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto(f"{served.base}/login")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    log_in(page, served.base, served.owner_key)
    for path in pages[1:]:
        page.goto(f"{served.base}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width} px wide at 375"
        shot(page, f"375{path.replace('/', '_') or '_now'}")
    context.close()


def test_the_board_alone_serves_no_mcp(served: Served, chromium: Any) -> None:
    with board_process(served.db) as address:
        page = chromium.new_context().new_page()
        base = address.split("/login")[0]
        answer = page.goto(f"{base}/mcp")
        assert answer is not None and answer.status == 404
        page.context.close()
