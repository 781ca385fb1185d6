"""A task's description is Markdown, shown as HTML on its page: links, lists and code come
through; a script, an inline handler, a `javascript:` (or `data:`) link and an image from another
origin do not, however they are written."""

from __future__ import annotations

import re

import pytest

from tests.board_client import board_over, browser
from tests.conftest import connect
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio

HOSTILE = """Plan for **the release**:

- read [the guide](https://example.org/guide)
- run `make check`

```
rm -rf build/
```

<script>alert(1)</script>
<img src=x onerror=alert(2)>
<a href="javascript:alert(3)">raw link</a>
<div onclick="alert(4)">raw div</div>
[md link](javascript:alert(5)) [cased](JaVaScRiPt:alert(6)) [spaced](java&#x09;script:alert(7))
[data](data:text/html;base64,PHNjcmlwdD5hbGVydCg4KTwvc2NyaXB0Pg==)
![tracker](https://evil.example/pixel.png) ![protocol-relative](//evil.example/p.png) ![slashes](/\\evil.example/p.png)
![ours](/static/logo.png)
"""


def description_of(html: str) -> str:
    found = re.search(r'<div class="markdown">(.*?)</div>\s*</section>', html, re.S)
    assert found is not None, "no rendered description"
    return found.group(1)


async def test_markdown_renders_links_lists_and_code_and_nothing_hostile(store: Store, owner_key: str) -> None:
    async with connect(store, owner_key) as owner:
        made = await owner.ok("ts.tsk.create", {"title": "Release", "description": HOSTILE})
    async with browser(board_over(store)) as person:
        await person.login(owner_key)
        shown = description_of((await person.get(f"/tasks/{made['id']}")).text)
    assert "<strong>the release</strong>" in shown
    assert re.search(r'<a href="https://example.org/guide" rel="noopener noreferrer nofollow">the guide</a>', shown)
    assert "<li>" in shown and "<code>make check</code>" in shown and "<pre><code>rm -rf build/" in shown
    lowered = shown.lower()
    assert "<script" not in lowered and "<div" not in lowered
    assert not re.search(r"<[^>]+\son\w+\s*=", lowered), "an inline handler got through"
    assert not re.search(r'<a\s[^>]*href="\s*(javascript|data|vbscript):', lowered), "a script link got through"
    sources = re.findall(r'<img\s[^>]*src="([^"]*)"', shown)
    assert sources and all(s.startswith("/") and s[1:2] not in ("/", "\\") for s in sources), sources  # the board's own
    assert '<img src="/static/logo.png" alt="ours">' in shown  # the board's own images stand
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown  # what was written shows as text
