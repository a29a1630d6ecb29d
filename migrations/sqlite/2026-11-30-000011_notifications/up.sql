-- Chat rooms and webhooks an admin connects: each hears the kinds of news it subscribes to.
CREATE TABLE channels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    -- `slack` (Slack, Mattermost: incoming webhook), `teams` (workflow webhook), `webhook`
    -- (generic JSON, signed per the Standard Webhooks spec) or `matrix` (a room, by the client-server API).
    kind TEXT NOT NULL CHECK (kind IN ('slack', 'teams', 'matrix', 'webhook')),
    url TEXT NOT NULL,
    -- The signing secret of a generic webhook (`whsec_` + base64), or a Matrix access token.
    secret TEXT NOT NULL,
    -- Comma-separated topics it hears.
    topics TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL
);

-- The outbox: one row per message to send, written in the same transaction as the event that
-- causes it, sent by the delivery worker with retries. `message_id` is stable across retries
-- so receivers can de-duplicate.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL UNIQUE,
    -- `email`, `inbox` (the bell in the app) or `channel`.
    medium TEXT NOT NULL CHECK (medium IN ('email', 'inbox', 'channel')),
    recipient_id BIGINT REFERENCES users (id),
    channel_id BIGINT REFERENCES channels (id),
    topic TEXT NOT NULL,
    request_id BIGINT REFERENCES requests (id),
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    -- Held out of office hours, then sent with the recipient's other held news as one e-mail.
    digest BOOLEAN NOT NULL DEFAULT 0,
    -- `pending`, `sending` (claimed by a worker until next_attempt_at), `delivered`, `failed`.
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP,
    read_at TIMESTAMP
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_inbox ON deliveries (recipient_id, medium, id);
