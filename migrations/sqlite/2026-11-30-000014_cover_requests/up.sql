-- An engineer on duty asks the team to cover a stretch; whoever takes it is put on duty for it.
CREATE TABLE cover_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    requested_by BIGINT NOT NULL REFERENCES users (id),
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    note TEXT NOT NULL,
    taken_by BIGINT REFERENCES users (id),
    taken_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX cover_requests_open ON cover_requests (taken_by, ends_at);
