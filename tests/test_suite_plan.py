"""The PostgreSQL run (`python -m pytest -m store`, as .ci/run and CONTRIBUTING.md run it) leaves
out no test whose outcome can depend on the store: one that gets its ledger from a store fixture,
or that reaches PostgreSQL itself, directly or through a fixture of the suite."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from tests.suite_plan import POSTGRESQL_WORDS, STORE_FIXTURES

pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parent.parent


def collected(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> list[dict[str, object]]:
    """What `pytest --collect-only` collects with `args`, as tests/suite_plan.py records it."""
    out = tmp_path / f"plan-{len(list(tmp_path.iterdir()))}.json"
    # A session of its own, not a worker of this one's (which would take a database of its own).
    outside_xdist = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST_")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-n0", "-p", "no:cacheprovider", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**outside_xdist, **(env or {}), "WORKTRAIL_TEST_PLAN_TO": str(out)},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def _mentions(source: str) -> bool:
    return any(word in source for word in POSTGRESQL_WORDS)


@cache
def _module(file: str) -> tuple[str, ast.Module]:
    text = Path(file).read_text()
    return text, ast.parse(text)


@cache
def _defined(file: str) -> dict[str, str]:
    """Every function of a test file (decorators included) by name, as source text."""
    text, tree = _module(file)
    lines = text.splitlines()
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            found[node.name] = "\n".join(lines[start - 1 : node.end_lineno])
    return found


def _module_marks(file: str) -> str:
    """The source of a module's `pytestmark`, which marks every test in it."""
    text, tree = _module(file)
    return "\n".join(
        ast.get_source_segment(text, node) or ""
        for node in tree.body
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in node.targets)
    )


def _suite_fixtures_reaching_postgresql() -> set[str]:
    """The suite's fixtures whose own code reaches PostgreSQL (by the words it would use)."""
    reaching = set()
    for file in (ROOT / "tests").glob("*.py"):
        _, tree = _module(str(file))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                "fixture" in ast.unparse(d) for d in node.decorator_list
            ):
                if _mentions(_defined(str(file))[node.name]):
                    reaching.add(node.name)
    return reaching


def test_the_postgresql_run_takes_every_test_whose_outcome_can_depend_on_the_store(tmp_path: Path) -> None:
    everything = collected(tmp_path)
    on_postgresql = {
        t["id"] for t in collected(tmp_path, "-m", "store", env={"WORKTRAIL_TEST_POSTGRESQL": "postgresql:///unused"})
    }
    reaching = _suite_fixtures_reaching_postgresql()
    assert {"ledger", "cli_ledger"} <= reaching, "the store fixtures are found by the words they use"
    depends = set()
    for test in everything:
        if str(test["file"]).endswith("test_suite_plan.py"):
            continue  # this test names the words it looks for
        fixtures = set(test["fixtures"])  # type: ignore[arg-type]
        file, function = str(test["file"]), str(test["function"])
        source = _defined(file).get(function, "")
        if fixtures & (STORE_FIXTURES | reaching) or _mentions(source) or _mentions(_module_marks(file)):
            depends.add(str(test["id"]))
    left_out = sorted(depends - on_postgresql)
    assert left_out == [], f"tests that depend on the store but are not marked `store`: {left_out}"
    # The rule finds what it should: the suite's store tests are most of it, and the tests that
    # read PostgreSQL's settings themselves are among them.
    assert len(depends) > len(everything) / 2
    assert any("test_postgresql_store.py" in t for t in on_postgresql)
    assert any("test_a_sqlite_ledger_round_trips_through_postgresql" in t for t in on_postgresql)
