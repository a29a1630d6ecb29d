-- Personal access tokens for the JSON API. Only a SHA-256 of each token is kept (the token
-- itself is shown once); tokens are long random strings, so a fast hash is enough.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    -- `read` or `write` (write includes read).
    scope TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, id);
