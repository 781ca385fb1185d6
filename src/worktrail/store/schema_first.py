"""Migration 1: the ledger's first tables: resources, keys, endeavours, tasks and the change
records of the audit trail (later migrations add to them; migrations.py lists them all)."""

FIRST_TABLES = """
    CREATE TABLE resource (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL CHECK (type IN ('human', 'agent', 'service', 'team')),
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
        skills TEXT NOT NULL DEFAULT '[]',
        capacity_model TEXT,
        capacity_value REAL,
        metadata TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE api_key (
        id TEXT PRIMARY KEY,
        resource_id TEXT NOT NULL REFERENCES resource(id),
        name TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        created_by TEXT REFERENCES resource(id),
        created_at TEXT NOT NULL,
        last_used_at TEXT,
        revoked_at TEXT
    );
    CREATE INDEX api_key_resource ON api_key(resource_id);
    CREATE TABLE endeavour (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        goals TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL CHECK (status IN ('active', 'on_hold', 'completed', 'archived')),
        start_date TEXT,
        end_date TEXT,
        metadata TEXT NOT NULL DEFAULT '{}',
        created_by TEXT REFERENCES resource(id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        completed_at TEXT,
        archived_at TEXT
    );
    CREATE INDEX endeavour_status ON endeavour(status);
    CREATE TABLE task (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ('planned', 'active', 'done', 'canceled')),
        endeavour_id TEXT REFERENCES endeavour(id),
        assignee_id TEXT REFERENCES resource(id),
        creator_id TEXT REFERENCES resource(id),
        estimate REAL,
        actual REAL,
        due_date TEXT,
        metadata TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        started_at TEXT,
        completed_at TEXT,
        canceled_at TEXT,
        canceled_reason TEXT
    );
    CREATE INDEX task_status ON task(status);
    CREATE INDEX task_endeavour ON task(endeavour_id);
    CREATE INDEX task_assignee ON task(assignee_id);
    CREATE TABLE change_record (
        id TEXT PRIMARY KEY,
        at TEXT NOT NULL,
        actor_id TEXT,
        tool TEXT NOT NULL,
        entity_type TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        action TEXT NOT NULL,
        changes TEXT NOT NULL
    );
    CREATE INDEX change_record_entity ON change_record(entity_id);
    CREATE INDEX change_record_actor ON change_record(actor_id);
    """
