"""Checking an access token costs what checking a key does (issue 29, measured side by side by
benchmarks/bench_verify.py): the token carries what its check needs of its grant (migration 24),
so the check reads the token and its person, as a key's reads the key and its person; and a
revoked grant's access tokens are gone, so the grant need not be read to refuse them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from worktrail.store.oauth.grants import BEARER_SQL
from worktrail.store.resources.keys import _ACTOR_SQL
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio


def _plan(db: Path, query: str, params: tuple[str, ...]) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {query}", params)]


async def test_a_tokens_check_reads_what_a_keys_does_the_credential_and_its_person(tmp_path: Path) -> None:
    db = tmp_path / "plans.db"
    await (await Store.open(db)).close()  # a ledger at the latest migration
    token = _plan(db, BEARER_SQL, ("hash", "2026-12-07T00:00:00Z"))
    key = _plan(db, _ACTOR_SQL + "k.key_hash = ?", ("hash",))
    assert [line.split(" ")[1] for line in token] == ["t", "r"] and [line.split(" ")[1] for line in key] == ["k", "r"]
    assert all(line.startswith("SEARCH") and " USING " in line for line in token + key), (token, key)
