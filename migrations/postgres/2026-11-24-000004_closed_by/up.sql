-- Who performed a closed request's final close ("handled by"), kept with the request in the same
-- transaction as its event, so the coverage matrix is one index scan instead of a join.
ALTER TABLE requests ADD COLUMN closed_by BIGINT REFERENCES users (id);
UPDATE requests SET closed_by = (
    SELECT e.actor_id FROM events e
    WHERE e.request_id = requests.id AND e.kind = requests.state AND e.at = requests.closed_at
    ORDER BY e.id DESC LIMIT 1
) WHERE closed_at IS NOT NULL;
DROP INDEX requests_closed;
CREATE INDEX requests_coverage ON requests (closed_at, state, category_id, closed_by);
