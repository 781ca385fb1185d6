"""Every page of the board, as Chromium shows it: axe-core finds no serious or critical
accessibility violation and every control shows its focus (at 1,440 px), and at 375 px no word is broken across lines and nothing
scrolls sideways. The pages are found by following the board's own links from Now, on a ledger
`worktrail demo` filled with all five families, so a page added later is checked too.

axe-core is installed from the npm registry into .cache/axe-core (as MCP Inspector is); the
browser is Debian's Chromium (tests/browsers.py)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browsers import board_process, chromium  # noqa: F401  (the module's browser)
from tests.conftest import run_worktrail
from tests.npm_cache import ROOT, installed

AXE = ("axe-core", "4.10.3")
CACHE = Path(os.environ.get("WORKTRAIL_AXE_DIR", ROOT / ".cache" / "axe-core"))
# Reached by a link but not pages to check: a download, and the stream a page listens to.
NOT_PAGES = ("/attachments/", "/events", "/static/", "/logout")
MOST = 60  # pages, at most: a link per row of a long list would not add a kind of page

pytestmark = [pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed"), pytest.mark.processes,
              pytest.mark.browser, pytest.mark.store]

# Every word of the page's text, each a Range: a word whose rectangles lie on two lines was broken.
BROKEN_WORDS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const style = node.parentElement && getComputedStyle(node.parentElement);
    if (!style || style.display === 'none' || style.visibility === 'hidden') continue;
    for (const word of node.textContent.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
      const lines = new Set(rects.map(r => Math.round(r.top)));
      if (lines.size > 1) broken.push(word[0]);
    }
  }
  return broken;
}"""

SIDEWAYS = "() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"

# A table's rows at 375 px: each a card of its own (display block), each cell named by its column.
UNSTACKED = """() => [...document.querySelectorAll('.scroll tbody tr')].filter(tr =>
  getComputedStyle(tr).display !== 'block' || [...tr.cells].some(td => td.colSpan === 1 && !td.dataset.label)).length"""

# Every control a keyboard reaches shows where the focus is (an outline of its own when focused).
UNSEEN_FOCUS = """() => [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')]
  .filter(e => e.offsetParent !== null).filter(e => { e.focus(); const s = getComputedStyle(e);
    return document.activeElement === e && (s.outlineStyle === 'none' || parseFloat(s.outlineWidth) === 0); })
  .slice(0, 5).map(e => e.outerHTML.slice(0, 80))"""

AXE_RUN = """async () => {
  const found = await axe.run(document, {resultTypes: ['violations']});
  return found.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help, where: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


@pytest.fixture
def demo_board(cli_ledger: Path | str) -> Iterator[str]:
    """The board of a ledger `worktrail demo` filled (on either store): its one-time sign-in address."""
    done = run_worktrail("demo", "--db", str(cli_ledger))
    assert done.returncode == 0, done.stderr
    with board_process(cli_ledger) as address:
        yield address


def crawl(page: Any, start: str) -> list[str]:
    """The board's pages, found by following its links (same origin, GET) from `start`."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(start))
    seen: list[str] = []
    queue = [start]
    while queue and len(seen) < MOST:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.append(url)
        page.goto(url)
        links = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href.split('#')[0])")
        kinds = {_kind(u) for u in seen + queue}
        for link in links:
            path = urlsplit(link).path
            if link.startswith(origin) and not path.startswith(NOT_PAGES) and _kind(link) not in kinds:
                queue.append(link)
                kinds.add(_kind(link))
    return seen


def _kind(url: str) -> str:
    """A page's kind: its path with ids taken out, and which query fields it has."""
    parts = urlsplit(url)
    path = "/".join("{id}" if any(c.isdigit() for c in p) else p for p in parts.path.split("/"))
    return path + "?" + ",".join(sorted(q.split("=")[0] for q in parts.query.split("&") if q))


def test_every_page_passes_axe_and_breaks_no_word_at_375_px(demo_board: str, chromium: Any) -> None:  # noqa: F811
    axe = installed(CACHE, *AXE, "axe-core/axe.min.js").read_text()
    context = chromium.new_context(viewport={"width": 1440, "height": 900}, bypass_csp=True)
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)  # a loaded machine: axe over a long page takes seconds
        page.goto(demo_board)  # signs this browser in as the owner
        start = page.url.split("?")[0]
        pages = crawl(page, start)
        assert len(pages) >= 10, f"the crawl found only {pages}"
        found: dict[str, Any] = {}
        for url in pages:
            page.set_viewport_size({"width": 1440, "height": 900})
            page.goto(url)
            page.add_script_tag(content=axe)
            violations = page.evaluate(AXE_RUN) + [{"focus not visible": e} for e in page.evaluate(UNSEEN_FOCUS)]
            page.set_viewport_size({"width": 375, "height": 800})
            page.goto(url)
            broken, sideways, unstacked = page.evaluate(BROKEN_WORDS), page.evaluate(SIDEWAYS), page.evaluate(UNSTACKED)
            if violations or broken or sideways > 0 or unstacked:
                found[urlsplit(url).path] = {"axe": violations, "broken words": broken[:8], "sideways px": sideways,
                                             "rows not stacked as labelled cards": unstacked}
        if found:
            pytest.fail("pages with findings:\n" + json.dumps(found, indent=1))
    finally:
        context.close()
