"""Names and time in a real browser (Chromium through Playwright): runs shown by what they run,
times relative with the exact moment on hover (the reader's own time zone with JavaScript, UTC
without), and Now's runs filtered by the labelled GET form, with JavaScript or without."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browsers import Served, shot

pytestmark = [pytest.mark.processes, pytest.mark.browser]



def signed_in(chromium: Any, served: Served, **context: Any) -> Any:
    page = chromium.new_context(viewport={"width": 1440, "height": 900}, timezone_id="Asia/Tokyo", **context).new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{served.base}/")
    page.get_by_label("API key").fill(served.owner_key)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{served.base}/")
    return page


@pytest.mark.parametrize("javascript", [True, False])
def test_runs_by_name_times_on_hover_and_filters_with_or_without_javascript(
    served: Served, chromium: Any, javascript: bool
) -> None:
    ritual = served.owner.ok("ts.rtl.create", {"name": "Nightly triage", "prompt": "Sort the new issues."})
    served.owner.ok("ts.rtr.create", {"ritual_id": ritual["id"]})
    served.owner.ok("ts.exe.create", {"config_id": "import-orders"})
    page = signed_in(chromium, served, java_script_enabled=javascript)
    triage = page.get_by_role("link", name="Nightly triage (ritual) · run 1")
    assert triage.is_visible()
    moment = page.locator("#under-way ~ div time").first
    assert moment.inner_text().endswith("ago") or moment.inner_text() == "just now"
    title = moment.get_attribute("title")
    if javascript:  # the reader's own zone (Tokyo is UTC+9 all year), not UTC
        assert "UTC" not in title and "+09:00" not in title
        local = page.evaluate("(at) => new Date(at).toLocaleString()", moment.get_attribute("datetime"))
        assert title == local
    else:
        assert title.endswith(" UTC")
    page.get_by_label("Kind").select_option("execution")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**kind=execution**")
    assert page.get_by_role("link", name="import-orders (config) · run 1").is_visible()
    assert triage.count() == 0
    shot(page, f"now-filtered-{'js' if javascript else 'no-js'}")
    page.context.close()
