"""Who created a workflow run, as every other entity records it (migration 14): deleting a run
needs an owner, an admin or its creator. A run made before this step takes its creator from its
`create` change record in the audit trail (and, where the trail has none, from `user_id`, which
was set to the same resource), when that resource is still in the ledger."""

RUN_CREATOR = """
ALTER TABLE workflow_run ADD COLUMN created_by TEXT REFERENCES resource(id);
UPDATE workflow_run SET created_by = COALESCE(
    (SELECT c.actor_id FROM change_record c JOIN resource r ON r.id = c.actor_id
     WHERE c.entity_id = workflow_run.id AND c.entity_type = 'workflow_run' AND c.action = 'create'
     ORDER BY c.at LIMIT 1),
    (SELECT r.id FROM resource r WHERE r.id = workflow_run.user_id)
);
"""
