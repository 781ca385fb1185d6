"""Pages rendered on the server with Jinja2 (autoescaped: whatever an agent writes shows as text)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from worktrail.board import timefmt
from worktrail.board.cards import hours
from worktrail.board.descriptions import rendered
from worktrail.board.links import entity_url
from worktrail.board.names import PEOPLE

TEMPLATES = Path(__file__).parent / "templates"


_SPACE = re.compile(r"\s")


def shown(value: Any) -> str:
    """A field's value as text: JSON for objects and lists, `-` for nothing; a value with no space
    in it (a time, an id, a number) is one word, which a line never breaks (at its hyphens, say)."""
    if value is None or value == "":
        return "-"
    if isinstance(value, dict | list):
        return json.dumps(value, indent=2, ensure_ascii=False)
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return Markup('<span class="word">{}</span>').format(text) if not _SPACE.search(text) else text


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True
    )
    env.filters["shown"] = shown
    env.filters["hours"] = hours
    env.filters["markdown"] = rendered
    timefmt.register(env)
    env.globals["entity_url"] = entity_url
    env.globals["people"] = PEOPLE
    env.globals["is_structured"] = lambda v: isinstance(v, dict | list)
    return env
