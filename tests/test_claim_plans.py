"""The claim's pick reads the ready task created earliest from the index of ready tasks in that
order, on each store: no sort of every ready task (SQLite: no "TEMP B-TREE FOR ORDER BY";
PostgreSQL: no Sort node), and the sweep reads the leases that ran out from their own index. At a
million tasks a sort took 0.6-1.2 s on SQLite; this pins that the plan stays right."""

from __future__ import annotations

import pytest

from tests.conftest import Agent
from tests.plans import Recording, plan
from worktrail.store.connection import Connection
from worktrail.store.store import Store
from worktrail.store.tasks.claims import earliest_ready

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("within", [False, True])
async def test_the_claim_reads_the_earliest_ready_task_in_index_order(owner: Agent, store: Store, within: bool) -> None:
    edv = (await owner.ok("ts.edv.create", {"name": "e"}))["id"]
    for n in range(20):
        await owner.ok("ts.tsk.create", {"title": f"t{n}", **({"endeavour_id": edv} if n % 2 else {})})

    async def many(conn: Connection) -> None:  # on PostgreSQL, as a ledger is: most ready tasks elsewhere, counted
        if conn.backend == "postgresql":
            await conn.execute("INSERT INTO task (id, title, status, created_at, updated_at) SELECT 'tsk_' || n, "
                               "'elsewhere ' || n, 'planned', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' "
                               "FROM generate_series(1, 3000) AS n")  # fmt: skip
            await conn.execute("ANALYZE task")

    # With 20 rows and no statistics PostgreSQL's costs of the two indexes tied, and it at times
    # read task_claimable filtered by endeavour (in order, no sort, but walking every other
    # endeavour's entries too: what the endeavour's own index is there to spare).
    await store.db.write(many)

    async def explain(conn: Connection) -> tuple[str | None, str]:
        recording = Recording(conn)
        found = await earliest_ready(recording, edv if within else None)  # type: ignore[arg-type]
        ((sql, params),) = recording.seen
        return found, await plan(conn, sql, params)

    found, planned = await store.db.read(explain)
    assert found is not None
    assert "TEMP B-TREE" not in planned and "Sort" not in planned.replace("Sort Key", ""), planned
    assert ("task_claimable_endeavour" if within else "task_claimable") in planned, planned
