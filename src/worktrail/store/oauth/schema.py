"""OAuth's records (migration 20), in the ledger so that any `serve --http` process serves any
step of a sign-in: clients (registered here, or known by their metadata document's URL), the
authorization codes of approved requests, the grants those codes became, and the grants' access
and refresh tokens. Codes and tokens are kept only as their SHA-256, as API keys are. A client
known by its metadata document keeps the document as fetched and until when it may be used without
fetching it again (migration 21: its HTTP caching headers said so), for every process alike."""

OAUTH = """
CREATE TABLE oauth_client (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('registered', 'document')),
    name TEXT NOT NULL DEFAULT '',
    secret_hash TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    registered_from TEXT,
    created_at TEXT NOT NULL,
    last_used_at TEXT
);
CREATE INDEX oauth_client_created ON oauth_client(created_at);
CREATE INDEX oauth_client_registered ON oauth_client(registered_from, created_at);
CREATE TABLE oauth_grant (
    id TEXT PRIMARY KEY,
    resource_id TEXT NOT NULL REFERENCES resource(id),
    client_id TEXT NOT NULL REFERENCES oauth_client(id),
    scope TEXT NOT NULL,
    audience TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX oauth_grant_resource ON oauth_grant(resource_id);
CREATE INDEX oauth_grant_client ON oauth_grant(client_id);
CREATE TABLE oauth_code (
    code_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES oauth_client(id),
    resource_id TEXT NOT NULL REFERENCES resource(id),
    scope TEXT NOT NULL,
    audience TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    redirect_uri_explicit INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    grant_id TEXT REFERENCES oauth_grant(id)
);
CREATE INDEX oauth_code_expires ON oauth_code(expires_at);
CREATE TABLE oauth_token (
    token_hash TEXT PRIMARY KEY,
    grant_id TEXT NOT NULL REFERENCES oauth_grant(id),
    kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    created_at TEXT NOT NULL,
    expires_at TEXT,
    rotated_at TEXT
);
CREATE INDEX oauth_token_grant ON oauth_token(grant_id);
"""

DOCUMENT_FRESHNESS = """
ALTER TABLE oauth_client ADD COLUMN fresh_until TEXT;
"""

# Migration 23: the app's name on its grant, as the person approved it (what the audit's "via" names),
# so that checking an access token reads no client row: token, grant and person, as a key reads key
# and person. A client that gave no name is named by its id.
GRANT_CLIENT_NAME = """
ALTER TABLE oauth_grant ADD COLUMN client_name TEXT NOT NULL DEFAULT '';
UPDATE oauth_grant SET client_name = (SELECT COALESCE(NULLIF(c.name, ''), c.id) FROM oauth_client c
                                      WHERE c.id = oauth_grant.client_id);
"""

# Migration 24: an access token carries what its check needs of its grant (its person, scope, audience
# and app; when it was last used), so that the check reads the token and the person, as a key's reads
# the key and the person; a revoked grant's access tokens are deleted (they are checked no more).
TOKEN_CARRIES_GRANT = """
ALTER TABLE oauth_token ADD COLUMN resource_id TEXT;
ALTER TABLE oauth_token ADD COLUMN scope TEXT;
ALTER TABLE oauth_token ADD COLUMN audience TEXT;
ALTER TABLE oauth_token ADD COLUMN client_id TEXT;
ALTER TABLE oauth_token ADD COLUMN client_name TEXT;
ALTER TABLE oauth_token ADD COLUMN last_used_at TEXT;
DELETE FROM oauth_token WHERE kind = 'access' AND grant_id IN (SELECT id FROM oauth_grant WHERE revoked_at IS NOT NULL);
UPDATE oauth_token SET
    resource_id = (SELECT g.resource_id FROM oauth_grant g WHERE g.id = oauth_token.grant_id),
    scope = (SELECT g.scope FROM oauth_grant g WHERE g.id = oauth_token.grant_id),
    audience = (SELECT g.audience FROM oauth_grant g WHERE g.id = oauth_token.grant_id),
    client_id = (SELECT g.client_id FROM oauth_grant g WHERE g.id = oauth_token.grant_id),
    client_name = (SELECT g.client_name FROM oauth_grant g WHERE g.id = oauth_token.grant_id),
    last_used_at = (SELECT g.last_used_at FROM oauth_grant g WHERE g.id = oauth_token.grant_id)
WHERE kind = 'access';
"""
