-- The moments of each request's history that the weekly figures need, kept on the request and
-- maintained in the same transaction as every event (see db/requests.rs), so insights read one
-- row per request. `domain::metrics::History::summary` is their definition.
ALTER TABLE requests ADD COLUMN first_response_at TIMESTAMP;
ALTER TABLE requests ADD COLUMN first_triage_at TIMESTAMP;
ALTER TABLE requests ADD COLUMN first_triage_goalkeeper BIGINT;
ALTER TABLE requests ADD COLUMN close_goalkeeper BIGINT;
ALTER TABLE requests ADD COLUMN routed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE requests ADD COLUMN reopened BOOLEAN NOT NULL DEFAULT FALSE;

UPDATE requests SET
    first_response_at = (
        SELECT MIN(e.at) FROM events e JOIN users u ON u.id = e.actor_id
        WHERE e.request_id = requests.id AND u.role IN ('engineer', 'admin')
          AND e.kind IN ('taken', 'routed', 'commented', 'waiting', 'resolved', 'rejected')
    ),
    first_triage_at = (
        SELECT MIN(e.at) FROM events e
        WHERE e.request_id = requests.id AND e.kind IN ('taken', 'routed', 'resolved', 'rejected')
    ),
    first_triage_goalkeeper = (
        SELECT e.goalkeeper_id FROM events e
        WHERE e.request_id = requests.id AND e.kind IN ('taken', 'routed', 'resolved', 'rejected')
        ORDER BY e.id LIMIT 1
    ),
    close_goalkeeper = (
        SELECT e.goalkeeper_id FROM events e
        WHERE e.request_id = requests.id AND e.kind = requests.state AND e.at = requests.closed_at
        ORDER BY e.id DESC LIMIT 1
    ),
    routed = EXISTS (SELECT 1 FROM events e WHERE e.request_id = requests.id AND e.kind = 'routed'),
    reopened = EXISTS (SELECT 1 FROM events e WHERE e.request_id = requests.id AND e.kind = 'reopened');

CREATE INDEX requests_triaged ON requests (first_triage_at);
-- Routed load reads the routings of a period.
CREATE INDEX events_kind_at ON events (kind, at);
