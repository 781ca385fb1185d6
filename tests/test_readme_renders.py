"""The README reads right where people read it: every table renders as a table (a header row and
its separator before the rows), and its commands run on a plain Debian PATH (no `python` there)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _tables(text: str) -> list[list[str]]:
    """Each run of lines that start with a pipe, outside code blocks."""
    outside = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    tables: list[list[str]] = []
    run: list[str] = []
    for line in [*outside.splitlines(), ""]:
        if line.startswith("|"):
            run.append(line)
        elif run:
            tables.append(run)
            run = []
    return tables


def test_every_table_has_a_header_row_and_its_separator() -> None:
    tables = _tables(README.read_text())
    assert tables
    headless = [t[0] for t in tables if len(t) < 2 or not re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", t[1].strip())]
    assert headless == [], "these tables show as raw pipes"


def test_the_virtual_environment_is_made_with_python3() -> None:
    text = README.read_text()
    assert "python3 -m venv .venv" in text and "python -m venv" not in text
