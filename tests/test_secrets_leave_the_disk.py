"""Every way a workflow run ends takes its secrets off the disk (the database file and its WAL),
and nothing kept after it (the idempotency record) lets a guess of a secret be confirmed."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.conftest import Agent, PinnedClock, execute, scalar
from tests.test_executions import agent_at
from tests.test_workflow_runs import workflow
from tests.test_workflow_secrets_and_files import SECRET, on_disk
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio


async def _run_with_a_secret(agent: Agent, **extra: object) -> str:
    w = await workflow(agent, input_schema=None, output_schema=None)
    run = await agent.ok("ts.wrn.create", {"workflow_id": w, "sensitive_input_values": {"token": SECRET}, **extra})
    await agent.ok("ts.wrn.update", {"id": run["id"], "status": "running"})
    return run["id"]


async def test_the_sweep_ending_a_stale_run_takes_its_secret_off_the_disk(
    store: Store, owner_key: str, ledger: str
) -> None:
    clock = PinnedClock("2026-05-01T10:00:00Z")
    async with agent_at(store, owner_key, clock) as agent:
        run_id = await _run_with_a_secret(agent)
        assert SECRET.encode() in on_disk(ledger)
        clock.set("2026-05-01T11:30:00Z")  # quiet for 90 minutes: stale
        swept = await agent.ok("ts.run.sweep")
        assert [(c["id"], c["to"]) for c in swept["changed"]] == [(run_id, "error")]
        assert SECRET.encode() not in on_disk(ledger)
        assert (await agent.ok("ts.wrn.secrets", {"id": run_id}))["sensitive_input_values"] == {}


async def test_bulk_runs_lose_their_secrets_each_as_it_ends(owner: Agent, ledger: str) -> None:
    w = await workflow(owner, input_schema=None, output_schema=None)
    made = await owner.ok("ts.wrn.bulk_create", {"workflow_id": w, "count": 3, "sensitive_input_values": {"t": SECRET}})
    ids = [r["id"] for r in made["created_runs"]]
    for i, run_id in enumerate(ids):
        assert SECRET.encode() in on_disk(ledger), f"run {i} still holds it"
        await owner.ok("ts.wrn.update", {"id": run_id, "status": "cancelled"})
    assert SECRET.encode() not in on_disk(ledger)


async def test_deleting_a_workflow_erases_any_secret_its_runs_kept(owner: Agent, store: Store, ledger: str) -> None:
    w = await workflow(owner, input_schema=None, output_schema=None)
    run = await owner.ok("ts.wrn.create", {"workflow_id": w, "sensitive_input_values": {"token": SECRET}})
    await owner.ok("ts.wrn.update", {"id": run["id"], "status": "cancelled"})
    # A secret left behind by a worktrail before the sweep erased them.
    await execute(store, "INSERT INTO workflow_secret (run_id, alias, value) VALUES (?, 'old', ?)", run["id"], SECRET)
    await owner.ok("ts.wfl.delete", {"id": w})
    assert SECRET.encode() not in on_disk(ledger)


async def test_a_keyed_calls_stored_digest_cannot_confirm_a_guessed_secret(
    owner: Agent, store: Store, ledger: str
) -> None:
    w = await workflow(owner, input_schema=None, output_schema=None)
    sent = {"workflow_id": w, "sensitive_input_values": {"token": SECRET}}
    run = await owner.ok("ts.wrn.create", {**sent, "idempotency_key": "make-run"})
    await owner.ok("ts.wrn.update", {"id": run["id"], "status": "cancelled"})
    stored = await scalar(store, "SELECT digest FROM idempotency_key WHERE key = 'make-run'")

    def guesses(secret: str) -> set[str]:
        """The digests an attacker could compute for a guess: several canonical forms."""
        forms = [{**sent, "sensitive_input_values": {"token": secret}}]
        texts = [json.dumps(f, sort_keys=True, separators=(",", ":"), ensure_ascii=False) for f in forms]
        texts += [json.dumps(f, sort_keys=True) for f in forms] + [secret]
        return {hashlib.sha256(x.encode()).hexdigest() for x in texts}

    assert stored not in guesses(SECRET)  # the right guess confirms nothing
    assert SECRET.encode() not in on_disk(ledger)
    # The key still does its work: the same request answers the first run, once.
    again = await owner.ok("ts.wrn.create", {**sent, "idempotency_key": "make-run"})
    assert again["id"] == run["id"]
