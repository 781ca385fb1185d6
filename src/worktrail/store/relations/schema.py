"""Migration 28: relations between entities, and what a task's readiness reads.

`relation` is Taskschmiede's edge table, unique on its type and both ends; its lists read newest
first in the order stored (rowid), which an index on either end keeps (as task's: tasks/indexes.py). A task keeps the count
of the tasks it depends on that are not done (`open_dependencies`), kept in the transaction of
every relation made or deleted and of every status change of a task it depends on
(relations/dependencies.py): a ready task (planned, 0 open) is then one index entry, and
`ts.tsk.list {ready: true}` reads its page in rowid order from `task_ready` as the other lists do
(tasks/indexes.py), where a join to the relations of every planned task would read them all.

The index holds planned tasks only (a partial index, on both stores): on (status,
open_dependencies) it also served a plain status filter as well as `task_status` does, and SQLite's
planner then at times read a status list from it and sorted every planned task by rowid (~1.2 s at
1,000,000 tasks instead of ~1 ms). A partial index serves only a query that says its condition
as it is written, `status = 'planned'`, which only the ready filter does. At 1,000,000 tasks the
column costs nothing to add (a constant default) and the index seconds."""

RELATIONS = """
CREATE TABLE relation (
    id TEXT PRIMARY KEY,
    relationship_type TEXT NOT NULL,
    source_entity_type TEXT NOT NULL,
    source_entity_id TEXT NOT NULL,
    target_entity_type TEXT NOT NULL,
    target_entity_id TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_by TEXT REFERENCES resource(id),
    created_at TEXT NOT NULL,
    UNIQUE (source_entity_id, relationship_type, target_entity_id, source_entity_type, target_entity_type)
);
CREATE INDEX relation_target ON relation(target_entity_id);
CREATE INDEX relation_source ON relation(source_entity_id);
ALTER TABLE task ADD COLUMN open_dependencies INTEGER NOT NULL DEFAULT 0;
CREATE INDEX task_ready ON task(open_dependencies) WHERE status = 'planned';
"""
