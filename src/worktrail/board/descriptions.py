"""A task's (or an endeavour's) description, written in Markdown by a person or an agent, shown
as HTML: rendered by markdown-it-py (CommonMark, raw HTML off), then cleaned by nh3 with an
allow-list, so whatever was written can neither run a script nor reach another origin.

Kept: paragraphs, emphasis, headings, lists, quotes, code, tables, rules and links (http, https,
mailto, or on this board), which open with `rel="noopener noreferrer nofollow"`. Dropped: script,
style, every `on…` attribute, `javascript:` and `data:` links, and images from anywhere but the
board itself (an image from another origin would tell it who reads the task, and when)."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

TAGS = {"p", "br", "hr", "em", "strong", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
        "h1", "h2", "h3", "h4", "h5", "h6", "a", "img", "table", "thead", "tbody", "tr", "th", "td"}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}, "th": {"align"},
              "td": {"align"}, "code": {"class"}}  # fmt: skip
SCHEMES = {"http", "https", "mailto"}
# The longest description the tools take is 10,000 characters: rendering one is cheap, and pages
# show the same few again and again.
CACHED = 512


def _same_origin_only(tag: str, attribute: str, value: str) -> str | None:
    """Images only from the board itself (a path with no scheme or host); every other value stands."""
    if tag == "img" and attribute == "src":
        parts = urlsplit(value)
        own = value.startswith("/") and value[1:2] not in ("/", "\\") and not parts.scheme and not parts.netloc
        return value if own else None
    return value


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").enable("strikethrough")


@lru_cache(maxsize=CACHED)
def rendered(text: str | None) -> Markup:
    """`text` (Markdown) as safe HTML for a page."""
    if not text:
        return Markup("")
    html = _markdown().render(text)
    clean = nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES, link_rel="noopener noreferrer nofollow",
                      attribute_filter=_same_origin_only, strip_comments=True)  # fmt: skip
    return Markup(clean)  # noqa: S704 - nh3's allow-list made it safe just above
