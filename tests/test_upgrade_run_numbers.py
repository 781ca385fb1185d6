"""Migration 26: the runs of an older ledger are numbered among their parent's runs in creation
order (ties in storage order), and the next run made goes on from the largest number."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import column
from tests.test_upgrades import older_ledger
from worktrail.domain.clock import SystemClock, format_ts
from worktrail.store.audit import Origin
from worktrail.store.migrations import MIGRATIONS
from worktrail.store.run_numbers import RUN_NUMBERS

pytestmark = pytest.mark.anyio

RUN_NUMBERS_STEP = MIGRATIONS.index(RUN_NUMBERS) + 1


def _execution(execution_id: str, config_id: str, at: str) -> str:
    return (f"INSERT INTO execution (id, config_id, status, started_at, created_at, updated_at) "
            f"VALUES ('{execution_id}', '{config_id}', 'completed', '{at}', '{at}', '{at}')")  # fmt: skip


async def test_an_older_ledgers_runs_are_numbered_in_creation_order(tmp_path: Path) -> None:
    rows = [_execution("e1", "a", "2026-01-01T12:00:05Z"), _execution("e2", "a", "2026-01-01T12:00:00Z"),
            _execution("e3", "a", "2026-01-01T12:00:00Z"), _execution("e4", "b", "2026-01-01T12:00:00Z")]  # fmt: skip
    async with older_ledger(tmp_path, RUN_NUMBERS_STEP - 1, rows) as store:
        found = await column(store, "SELECT id || '=' || run_number FROM execution ORDER BY id")
        assert found == ["e1=3", "e2=1", "e3=2", "e4=1"]
        made = await store.executions.create(Origin(None, "test", format_ts(SystemClock().now())), {"config_id": "a"})
        named = await store.names.of([made["id"]])
    assert named[0]["number"] == 4
