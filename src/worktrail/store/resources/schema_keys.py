"""Which key minted which: a key created through a session with a key names that key, so that
revoking a leaked key can revoke everything it minted too (migration 11)."""

KEY_LINEAGE = """
ALTER TABLE api_key ADD COLUMN created_by_key TEXT REFERENCES api_key(id);
CREATE INDEX api_key_created_by_key ON api_key(created_by_key) WHERE created_by_key IS NOT NULL;
"""
