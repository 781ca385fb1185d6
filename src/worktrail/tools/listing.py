"""The catalogue as shipped: each tool's name, doc, toolset and family, read from the package
without importing any family's module (importing them all created ~135 model classes, the largest
share of worktrail's cold start, issue 30). A tool's family is imported at its first call.

`worktrail schemas --write tool_schemas` writes this copy beside the shipped schemas;
tests/test_schemas.py fails when it differs from what the declarations say."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from worktrail.tools.declaration import Tool

SHIPPED = Path(__file__).with_name("published_catalogue.json")


@dataclass(frozen=True)
class Listed:
    """A tool as `tools/list` publishes it, without its models or handler (`declared()` has them)."""

    name: str
    family: str
    toolset: str
    doc: str
    read_only: bool

    @property
    def underscore_name(self) -> str:
        """The name for clients that refuse dots (`ts.tsk.update` -> `ts_tsk_update`)."""
        return self.name.replace(".", "_")

    def declared(self) -> Tool:
        """The whole declaration, importing the tool's family (once per process)."""
        return _family(self.family)[self.name]


@cache
def _family(family: str) -> dict[str, Tool]:
    return {t.name: t for t in import_module(f"worktrail.tools.{family}").TOOLS}


def entries(families: Iterable[tuple[str, Iterable[Tool]]]) -> list[dict[str, Any]]:
    """The shipped copy's entries, in catalogue order, from the declarations of each family."""
    return [{"name": t.name, "family": family, "toolset": t.toolset, "doc": t.doc, "read_only": t.read_only}
            for family, tools in families for t in tools]  # fmt: skip


def render(families: Iterable[tuple[str, Iterable[Tool]]]) -> str:
    """The shipped file's exact text."""
    return json.dumps(entries(families), ensure_ascii=False, indent=0) + "\n"


@cache
def shipped() -> tuple[Listed, ...] | None:
    """Every tool as shipped, in catalogue order; None in a source tree before its first
    `worktrail schemas --write` (the caller imports the families then)."""
    try:
        return tuple(Listed(**entry) for entry in json.loads(SHIPPED.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None


def write(families: Iterable[tuple[str, Iterable[Tool]]]) -> bool:
    """Bring the shipped copy up to date; False when it already was."""
    return replace_if_changed(SHIPPED, render(families))


def replace_if_changed(path: Path, text: str) -> bool:
    """Write a shipped file whole (a server reading it meanwhile reads one version or the other);
    False, and a source tree untouched, when it already says `text`."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    fresh = path.with_suffix(f".{os.getpid()}.tmp")
    fresh.write_text(text, encoding="utf-8")
    os.replace(fresh, path)
    return True
