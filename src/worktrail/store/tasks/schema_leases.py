"""Migration 29: a task's lease (ts.tsk.claim), and the indexes the claim and the sweep read.

A claimed task keeps who holds it (`lease_holder_id`), until when (`lease_expires_at`, RFC 3339
text, compared as text as every time here is) and the lease's length (`lease_seconds`), so that a
write of the holder renews it by as much again. All three are NULL on a task no one holds.

The claim takes the ready task created earliest (ties by id): `task_claimable` holds ready tasks
only (planned, no open dependency: the condition as written, which the claim's query says as it
is, as `task_ready`'s: relations/schema.py), in that order, so the claim reads its first entry
whatever the ledger's size; `task_claimable_endeavour` does the same within one endeavour. The
sweep finds the leases that ran out from `task_lease_expiry`, which holds leased tasks only."""

TASK_LEASES = """
ALTER TABLE task ADD COLUMN lease_holder_id TEXT REFERENCES resource(id);
ALTER TABLE task ADD COLUMN lease_expires_at TEXT;
ALTER TABLE task ADD COLUMN lease_seconds INTEGER;
CREATE INDEX task_claimable ON task(created_at, id) WHERE status = 'planned' AND open_dependencies = 0;
CREATE INDEX task_claimable_endeavour ON task(endeavour_id, created_at, id) WHERE status = 'planned' AND open_dependencies = 0;
CREATE INDEX task_lease_expiry ON task(lease_expires_at) WHERE lease_expires_at IS NOT NULL;
"""
