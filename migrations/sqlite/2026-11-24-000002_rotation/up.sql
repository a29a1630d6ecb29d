-- The rotation, as versions: each applies from its moment on, so edits never rewrite the past.
CREATE TABLE rotation_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    effective_from TIMESTAMP NOT NULL,
    -- A local date of one handover (YYYY-MM-DD); its weekday is the handover weekday.
    anchor_date TEXT NOT NULL,
    -- Local time of day of every handover (HH:MM).
    handover_time TEXT NOT NULL,
    timezone TEXT NOT NULL,
    -- JSON array of user ids, in rotation order.
    engineers TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX rotation_versions_effective ON rotation_versions (effective_from);

-- Someone covers [starts_at, ends_at) instead of whoever is scheduled; later rows win.
CREATE TABLE rotation_overrides (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    engineer_id BIGINT NOT NULL REFERENCES users (id),
    replaces_id BIGINT REFERENCES users (id),
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX rotation_overrides_span ON rotation_overrides (ends_at, starts_at);

-- "Routed to me" looks events up by their target.
CREATE INDEX events_target ON events (target_id, kind);

-- Who was goalkeeper when the event happened. No REFERENCES clause here: SQLite cannot drop
-- a column that has one, and the down migration must work.
ALTER TABLE events ADD COLUMN goalkeeper_id BIGINT;

-- A secret for calendar subscriptions, which cannot sign in.
ALTER TABLE users ADD COLUMN calendar_token TEXT;
CREATE UNIQUE INDEX users_calendar_token ON users (calendar_token);
