"""How the suite is run: which tests the PostgreSQL run takes, how many workers pytest-xdist
starts, and the groups of tests that must share a worker. A plugin of the suite (conftest.py
names it), so that the rules live in one place and tests/test_suite_plan.py can check them.

- `store`: a test whose outcome can depend on the store. Every test that reaches a ledger through
  a STORE_FIXTURES fixture is marked so here; a test that reads WORKTRAIL_TEST_POSTGRESQL itself
  says so with `@pytest.mark.store`. The PostgreSQL run is `python -m pytest -m store`.
- `processes`: a test that starts real processes (servers, commands, browsers, npm). The fast
  subset is `-m "not processes"`.
- `browser`: a test that drives Chromium (tests/test_board_browser.py); .ci/run times them apart.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

# The fixtures through which a test gets its ledger; each gives a PostgreSQL schema in the
# PostgreSQL run and a SQLite file otherwise. Every fixture that needs a ledger builds on these.
STORE_FIXTURES = frozenset({"ledger", "cli_ledger"})
# The words by which a test or fixture reaches PostgreSQL directly (tests/test_suite_plan.py
# looks for them in the suite's source).
POSTGRESQL_WORDS = ("POSTGRESQL", "postgresql_ledger", "take_schema", "schema_url")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "store: the outcome can depend on the store (the PostgreSQL run takes these)")
    config.addinivalue_line("markers", "processes: starts real processes (left out of the fast subset)")
    config.addinivalue_line("markers", "browser: drives Chromium through Playwright")


def uses_a_ledger(item: pytest.Item) -> bool:
    return bool(STORE_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if uses_a_ledger(item):
            item.add_marker(pytest.mark.store)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: twice the cores (the tests mostly wait on processes and files), at least 2;
    none for a run of named tests (`file.py::test`), where starting workers costs more than it saves.
    WORKTRAIL_TEST_WORKERS sets the number."""
    if "WORKTRAIL_TEST_WORKERS" in os.environ:
        return int(os.environ["WORKTRAIL_TEST_WORKERS"])
    if config.args and all("::" in arg for arg in config.args):
        return 0
    return max(2, 2 * (os.cpu_count() or 1))


def pytest_collection_finish(session: pytest.Session) -> None:
    """With WORKTRAIL_TEST_PLAN_TO set (tests/test_suite_plan.py sets it for a collect-only run),
    write what was collected there: each test's id, its fixtures and markers, as JSON."""
    where = os.environ.get("WORKTRAIL_TEST_PLAN_TO")
    if not where or hasattr(session.config, "workerinput"):
        return
    plan = [
        {
            "id": item.nodeid,
            "fixtures": sorted(getattr(item, "fixturenames", ())),
            "markers": sorted({mark.name for mark in item.iter_markers()}),
            "file": str(Path(str(item.fspath))),
            "function": getattr(getattr(item, "function", None), "__name__", None),
        }
        for item in session.items
    ]
    Path(where).write_text(json.dumps(plan))
