"""Numbered schema migrations, tracked by `PRAGMA user_version` (applied by upgrade.py): SQL, or a
rewrite of rows by Python where SQL cannot say it (rewrite.py)."""

from __future__ import annotations

from worktrail.store.audit import ACTION_INDEX, CHANGE_RECORDS_NUMBERED, VIA_COLUMN
from worktrail.store.audit_creates import CREATES_ON_TASK_ROW
from worktrail.store.board.schema import BOARD_SESSIONS, SESSION_ENDS, TICKET_ORIGIN
from worktrail.store.oauth.schema import DOCUMENT_FRESHNESS, GRANT_CLIENT_NAME, OAUTH, TOKEN_CARRIES_GRANT
from worktrail.store.relations.schema import RELATIONS
from worktrail.store.resources.schema_keys import KEY_LINEAGE
from worktrail.store.resources.schema_names import NAME_KEY_COLUMN, NAME_KEY_UNIQUE, NAME_KEYS
from worktrail.store.rewrite import Rewrite
from worktrail.store.run_numbers import RUN_NUMBERS
from worktrail.store.schema_first import FIRST_TABLES
from worktrail.store.sqlite import search_schema as fts
from worktrail.store.tasks.indexes import TASK_COLUMN_INDEXES
from worktrail.store.tasks.schema_leases import TASK_LEASES
from worktrail.store.workflows.schema_creator import RUN_CREATOR

# A step that is PostgreSQL's alone (postgresql/schema.py finds it by this text): nothing on SQLite.
SEARCH_STATISTICS = "-- the task search entries' planner statistics: PostgreSQL's own step (postgresql/search.py)"
SEARCH_WORDS = "-- the task search's words made a tsquery as a statement is planned: PostgreSQL's own step (postgresql/search.py)"
TASK_UPDATE_FUNCTION = "-- the write of a task update as one statement: PostgreSQL's own step (postgresql/update_function.py)"
RUN_UPDATE_FUNCTION = "-- the write of a ritual run's update as one statement: PostgreSQL's own step (postgresql/update_function.py)"

MIGRATIONS: tuple[str | Rewrite, ...] = (
    # 1: resources, keys, endeavours, tasks and the change records of the audit trail.
    FIRST_TABLES,
    # 2: rituals (recurring procedures) and their runs, seed 000.
    """
    CREATE TABLE ritual (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        prompt TEXT NOT NULL,
        endeavour_id TEXT REFERENCES endeavour(id),
        schedule TEXT NOT NULL DEFAULT '{"type":"manual"}',
        is_enabled INTEGER NOT NULL DEFAULT 1 CHECK (is_enabled IN (0, 1)),
        status TEXT NOT NULL CHECK (status IN ('active', 'archived')),
        metadata TEXT NOT NULL DEFAULT '{}',
        created_by TEXT REFERENCES resource(id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        archived_at TEXT
    );
    CREATE INDEX ritual_endeavour ON ritual(endeavour_id);
    CREATE TABLE ritual_run (
        id TEXT PRIMARY KEY,
        ritual_id TEXT NOT NULL REFERENCES ritual(id),
        status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
        trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual', 'api')),
        run_by TEXT REFERENCES resource(id),
        result_summary TEXT,
        effects TEXT,
        error TEXT,
        metadata TEXT NOT NULL DEFAULT '{}',
        started_at TEXT NOT NULL,
        finished_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX ritual_run_ritual ON ritual_run(ritual_id, started_at);
    CREATE INDEX ritual_run_status ON ritual_run(status);
    CREATE INDEX change_record_at ON change_record(at);
    """,
    # 3: versions for optimistic concurrency, and the idempotency keys of retried writes.
    """
    ALTER TABLE resource ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE endeavour ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE task ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE ritual ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE ritual_run ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE change_record ADD COLUMN version INTEGER;
    CREATE TABLE idempotency_key (
        resource_id TEXT NOT NULL,
        tool TEXT NOT NULL,
        key TEXT NOT NULL,
        digest TEXT NOT NULL,
        answer TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (resource_id, tool, key)
    ) WITHOUT ROWID;
    CREATE INDEX idempotency_key_created ON idempotency_key(created_at);
    """,
    # 4: missions (seed 003): definitions, their runs, the runs' plans of steps, and their events.
    """
    CREATE TABLE mission (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        description TEXT,
        instructions TEXT,
        model TEXT,
        execution_mode TEXT NOT NULL DEFAULT 'external' CHECK (execution_mode IN ('external', 'managed')),
        metadata TEXT NOT NULL DEFAULT '{}',
        created_by TEXT REFERENCES resource(id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX mission_created ON mission(created_at);
    CREATE TABLE mission_run (
        id TEXT PRIMARY KEY,
        mission_id TEXT NOT NULL REFERENCES mission(id) ON DELETE CASCADE,
        status TEXT NOT NULL
            CHECK (status IN ('pending', 'running', 'paused', 'succeeded', 'failed', 'cancelled')),
        input TEXT NOT NULL DEFAULT '{}',
        result_summary TEXT,
        result_payload TEXT,
        error TEXT,
        metadata TEXT NOT NULL DEFAULT '{}',
        started_at TEXT NOT NULL,
        finished_at TEXT,
        plan_created_at TEXT,
        created_by TEXT REFERENCES resource(id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX mission_run_mission ON mission_run(mission_id, created_at);
    CREATE INDEX mission_run_status ON mission_run(status, created_at);
    CREATE TABLE plan_step (
        id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES mission_run(id) ON DELETE CASCADE,
        step_id TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        description TEXT NOT NULL,
        parent_step_id TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending', 'in_progress', 'completed', 'failed', 'skipped')),
        metadata TEXT NOT NULL DEFAULT '{}',
        started_at TEXT,
        completed_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1,
        UNIQUE (run_id, step_id)
    );
    CREATE TABLE mission_event (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        mission_id TEXT NOT NULL,
        run_id TEXT NOT NULL REFERENCES mission_run(id) ON DELETE CASCADE,
        type TEXT NOT NULL CHECK (type IN ('status_change', 'step_started', 'step_completed', 'step_failed',
            'tool_call', 'tool_result', 'message', 'error', 'custom')),
        summary TEXT NOT NULL,
        payload TEXT NOT NULL DEFAULT '{}',
        step_id TEXT,
        agent_id TEXT,
        timestamp TEXT NOT NULL
    );
    CREATE INDEX mission_event_run ON mission_event(run_id, seq);
    """,
    # 5: workflows (seed 004): definitions, their runs, the runs' secrets (kept apart and erased
    # when the run ends) and attachments.
    """
    CREATE TABLE workflow (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        main_prompt TEXT NOT NULL,
        description TEXT,
        input_schema TEXT,
        output_schema TEXT,
        metadata TEXT NOT NULL DEFAULT '{}',
        created_by TEXT REFERENCES resource(id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX workflow_created ON workflow(created_at);
    CREATE TABLE workflow_run (
        id TEXT PRIMARY KEY,
        workflow_id TEXT NOT NULL REFERENCES workflow(id) ON DELETE CASCADE,
        status TEXT NOT NULL CHECK (status IN ('scheduling', 'running', 'success', 'cancelled', 'error')),
        machine_id TEXT,
        user_id TEXT,
        organization_id TEXT,
        error TEXT,
        output_data TEXT,
        run_message_history TEXT,
        output_attachment_ids TEXT,
        input_values TEXT,
        pool_ids TEXT,
        sensitive_input_aliases TEXT,
        session_id TEXT,
        session_alias TEXT,
        release_session_after INTEGER,
        attempt INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        started_at TEXT,
        ended_at TEXT,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX workflow_run_workflow ON workflow_run(workflow_id, created_at);
    CREATE INDEX workflow_run_status ON workflow_run(status, created_at);
    CREATE TABLE workflow_secret (
        run_id TEXT NOT NULL REFERENCES workflow_run(id) ON DELETE CASCADE,
        alias TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_id, alias)
    );
    CREATE TABLE attachment (
        id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES workflow_run(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('input', 'output')),
        filename TEXT NOT NULL,
        content_type TEXT,
        size_bytes INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        content BLOB NOT NULL,
        created_by TEXT REFERENCES resource(id),
        created_at TEXT NOT NULL
    );
    CREATE INDEX attachment_run ON attachment(run_id, kind, created_at);
    """,
    # 6: executions (seed 002), the serving processes (instances), and what the sweep needs of
    # every run: the instance that started it and when it last sent a heartbeat.
    """
    CREATE TABLE instance (
        id TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        started_at TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL
    );
    CREATE TABLE execution (
        id TEXT PRIMARY KEY,
        config_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'cancelled', 'interrupted')),
        config_snapshot TEXT NOT NULL DEFAULT '{}',
        trigger_context TEXT,
        error_info TEXT,
        progress TEXT,
        instance_id TEXT,
        created_by TEXT REFERENCES resource(id),
        started_at TEXT NOT NULL,
        finished_at TEXT,
        heartbeat_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX execution_status ON execution(status, created_at);
    CREATE INDEX execution_config ON execution(config_id, created_at);
    ALTER TABLE ritual_run ADD COLUMN instance_id TEXT;
    ALTER TABLE ritual_run ADD COLUMN heartbeat_at TEXT;
    ALTER TABLE mission_run ADD COLUMN instance_id TEXT;
    ALTER TABLE mission_run ADD COLUMN heartbeat_at TEXT;
    ALTER TABLE workflow_run ADD COLUMN instance_id TEXT;
    ALTER TABLE workflow_run ADD COLUMN heartbeat_at TEXT;
    """,
    # 7: indexes that serve each list's filter and its order together, so a page reads its rows in
    # order instead of sorting every match (the single-column filter indexes they replace).
    """
    DROP INDEX task_status;
    DROP INDEX task_endeavour;
    DROP INDEX task_assignee;
    CREATE INDEX task_created ON task(created_at);
    CREATE INDEX task_status_created ON task(status, created_at);
    CREATE INDEX task_endeavour_created ON task(endeavour_id, created_at);
    CREATE INDEX task_assignee_created ON task(assignee_id, created_at);
    DROP INDEX endeavour_status;
    CREATE INDEX endeavour_created ON endeavour(created_at);
    CREATE INDEX endeavour_status_created ON endeavour(status, created_at);
    CREATE INDEX resource_created ON resource(created_at);
    CREATE INDEX api_key_created ON api_key(created_at);
    CREATE INDEX api_key_resource_created ON api_key(resource_id, created_at);
    CREATE INDEX ritual_created ON ritual(created_at);
    DROP INDEX ritual_run_status;
    CREATE INDEX ritual_run_created ON ritual_run(created_at);
    CREATE INDEX ritual_run_ritual_created ON ritual_run(ritual_id, created_at);
    CREATE INDEX ritual_run_status_created ON ritual_run(status, created_at);
    DROP INDEX change_record_entity;
    DROP INDEX change_record_actor;
    CREATE INDEX change_record_entity_at ON change_record(entity_id, at);
    CREATE INDEX change_record_actor_at ON change_record(actor_id, at);
    CREATE INDEX change_record_type_at ON change_record(entity_type, at);
    CREATE INDEX mission_run_created ON mission_run(created_at);
    CREATE INDEX execution_created ON execution(created_at);
    CREATE INDEX workflow_run_created ON workflow_run(created_at);
    CREATE INDEX plan_step_run ON plan_step(run_id, sequence);
    """,
    # 8: full-text search of tasks (FTS5), kept in step by triggers.
    fts.TASK_TEXT,
    # 9: task lists in rowid order, served by single-column indexes.
    fts.TASK_INDEXES_BY_ROWID,
    # 10: the row the checkpoint thread writes to start the WAL again (checkpoints.py).
    "CREATE TABLE wal_restart (n INTEGER NOT NULL); INSERT INTO wal_restart VALUES (0);",
    # 11: which key minted which (schema_keys.py).
    KEY_LINEAGE,
    # 12: the board's sessions and one-time login addresses (board/schema.py).
    BOARD_SESSIONS,
    # 13: a status within an endeavour or an assignee, for the board's columns (tasks/indexes.py).
    TASK_COLUMN_INDEXES,
    # 14: the origin a one-time login address was printed for (board/schema.py).
    TICKET_ORIGIN,
    # 15: how many board sessions have ended, for the board's watcher (board/schema.py).
    SESSION_ENDS,
    # 16: who created each workflow run (workflows/schema_creator.py).
    RUN_CREATOR,
    # 17 to 19: resource names unique, compared by a stored key; names alike renamed (resources/schema_names.py).
    NAME_KEY_COLUMN,
    NAME_KEYS,
    NAME_KEY_UNIQUE,
    # 20: OAuth clients, codes, grants and tokens (oauth/schema.py).
    OAUTH,
    # 21: until when a client's metadata document may be used without fetching it again (oauth/schema.py).
    DOCUMENT_FRESHNESS,
    # 22: the app a change was made through, an OAuth grant's client (audit.py).
    VIA_COLUMN,
    # 23: the app's name on its grant, so that a token's check reads no client row (oauth/schema.py).
    GRANT_CLIENT_NAME,
    # 24: an access token carries what its check needs of its grant, which it then reads not (oauth/schema.py).
    TOKEN_CARRIES_GRANT,
    # 25: PostgreSQL's planner statistics of the task search entries (postgresql/search.py).
    SEARCH_STATISTICS,
    # 26: a run's number among its parent's runs, kept on the run (run_numbers.py).
    RUN_NUMBERS,
    # 27: the task search index keeps one- and two-letter prefixes (sqlite/search_schema.py).
    fts.TASK_TEXT_PREFIXES,
    # 28: relations between entities (a task's dependencies) and each task's count of open ones (relations/schema.py).
    RELATIONS,
    # 29: a task's lease, and the indexes of the claim and of the sweep of leases (tasks/schema_leases.py).
    TASK_LEASES,
    # 30: the task search index keeps which tasks hold a word, not where (sqlite/search_schema.py).
    fts.TASK_TEXT_WITHOUT_POSITIONS,
    # 31: change records numbered by the store, their ids made from the number, indexes in storing order (audit.py).
    CHANGE_RECORDS_NUMBERED,
    # 32: the kinds of change in an index, for ts.aud.list {action} (audit.py).
    ACTION_INDEX,
    # 33: PostgreSQL's task search makes its words a tsquery while its statement is planned (postgresql/search.py).
    SEARCH_WORDS,
    # 34: a task's create record kept on its row, not stored (audit_creates.py).
    CREATES_ON_TASK_ROW,
    # 35: a task update's write (lock, key re-check, compare-and-set, change record) as one function (postgresql/update_function.py).
    TASK_UPDATE_FUNCTION,
    # 36: the same for a ritual run's update (postgresql/update_function.py).
    RUN_UPDATE_FUNCTION,
)

SCHEMA_VERSION = len(MIGRATIONS)
