"""The board's sessions and one-time login addresses (migration 12). Only hashes of their tokens
are kept, as for API keys; a session names the key it was opened with (none for a one-time
address), so revoking the key ends it. A one-time address names the origin of the board it was
printed for (migration 14): it logs in there and nowhere else. `board_session_ends` counts the
sessions ended (migration 15): the board's watcher reads it with the change record's mark, so a
logout in any process wakes the streams as a commit does."""

BOARD_SESSIONS = """
CREATE TABLE board_session (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    resource_id TEXT NOT NULL REFERENCES resource(id),
    key_id TEXT REFERENCES api_key(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX board_session_expires ON board_session(expires_at);
CREATE TABLE board_ticket (
    token_hash TEXT PRIMARY KEY,
    resource_id TEXT NOT NULL REFERENCES resource(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
"""

TICKET_ORIGIN = """
ALTER TABLE board_ticket ADD COLUMN origin TEXT NOT NULL DEFAULT '';
"""

SESSION_ENDS = """
CREATE TABLE board_session_ends (n INTEGER NOT NULL);
INSERT INTO board_session_ends VALUES (0);
"""
