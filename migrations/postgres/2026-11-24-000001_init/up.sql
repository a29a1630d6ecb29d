-- Timestamps are UTC, stored without a time zone.
CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('requester', 'engineer', 'admin')),
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE settings (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE login_failures (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL,
    client TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, at);
CREATE INDEX login_failures_client ON login_failures (client, at);

CREATE TABLE services (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    tier TEXT NOT NULL CHECK (tier IN ('critical', 'important', 'can_wait')),
    description TEXT NOT NULL DEFAULT '',
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE categories (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);

INSERT INTO categories (name, description, created_at) VALUES
    ('Deploy help', 'A release that needs a hand, a pipeline that is stuck.', CURRENT_TIMESTAMP),
    ('Network', 'Connectivity, DNS, load balancers, firewalls.', CURRENT_TIMESTAMP),
    ('Access', 'Accounts, permissions, keys and credentials.', CURRENT_TIMESTAMP),
    ('Vendor and datacenter', 'Calls to the datacenter, hardware vendors and outside parties.', CURRENT_TIMESTAMP),
    ('Monitoring and alerts', 'Dashboards, alerts that fire or should.', CURRENT_TIMESTAMP),
    ('Database', 'Schema changes, slow queries, replicas, backups.', CURRENT_TIMESTAMP),
    ('Other', 'Anything that fits nowhere else.', CURRENT_TIMESTAMP);

CREATE TABLE requests (
    id BIGSERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    category_id BIGINT NOT NULL REFERENCES categories (id),
    service_id BIGINT REFERENCES services (id),
    urgency TEXT NOT NULL CHECK (urgency IN ('low', 'normal', 'high')),
    state TEXT NOT NULL CHECK (state IN ('new', 'in_progress', 'waiting', 'resolved', 'rejected')),
    requester_id BIGINT NOT NULL REFERENCES users (id),
    owner_id BIGINT REFERENCES users (id),
    duplicate_of BIGINT REFERENCES requests (id),
    -- Queue sort keys, kept in step with the service tier and urgency.
    tier_rank INTEGER NOT NULL,
    urgency_rank INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP
);
CREATE INDEX requests_queue ON requests (state, tier_rank, urgency_rank, created_at, id);
CREATE INDEX requests_requester ON requests (requester_id, id);
CREATE INDEX requests_owner ON requests (state, owner_id);

CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES requests (id),
    actor_id BIGINT NOT NULL REFERENCES users (id),
    at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    owner_id BIGINT REFERENCES users (id),
    target_id BIGINT REFERENCES users (id),
    related_request_id BIGINT REFERENCES requests (id),
    note TEXT,
    -- The request's version after this event: a stale form shows the events it missed.
    request_version INTEGER NOT NULL
);
CREATE INDEX events_request ON events (request_id, id);
CREATE INDEX events_at ON events (at);

-- History is the source of truth for metrics: it is never rewritten.
CREATE FUNCTION events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are immutable';
END;
$$;
CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
FOR EACH ROW EXECUTE FUNCTION events_immutable();

CREATE TABLE idempotency_keys (
    user_id BIGINT NOT NULL REFERENCES users (id),
    key TEXT NOT NULL,
    request_id BIGINT NOT NULL REFERENCES requests (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, key)
);
