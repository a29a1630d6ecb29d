-- The outgoing goalkeeper's notes for the weekly handover report, one per ISO week.
CREATE TABLE handover_notes (
    week TEXT PRIMARY KEY NOT NULL,
    body TEXT NOT NULL,
    updated_by BIGINT NOT NULL REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL
);

-- Reports look up requests by when they closed.
CREATE INDEX requests_closed ON requests (closed_at);
CREATE INDEX requests_created ON requests (created_at);
