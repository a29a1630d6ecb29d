-- Each event keeps its actor's role at the time it happened: whether it is a response, and the
-- role every export shows, must never follow a later promotion. Events written before this
-- column existed take the actor's role now, except that triage actions (take, route, consult,
-- ask, resolve, reject) were only ever open to engineers.
ALTER TABLE events ADD COLUMN actor_role TEXT NOT NULL DEFAULT 'requester';
-- The one time history gains a fact: the guard against rewriting events steps aside for it.
DROP TRIGGER events_no_update;
UPDATE events SET actor_role = COALESCE((SELECT u.role FROM users u WHERE u.id = events.actor_id), 'requester');
UPDATE events SET actor_role = 'engineer'
WHERE actor_role = 'requester' AND kind IN ('taken', 'routed', 'consulted', 'waiting', 'resolved', 'rejected');
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are immutable'); END;

-- Every stored summary again, as the pure function of the events that
-- `domain::metrics::History::summary` defines: only `resolved` and `rejected` close, the final
-- close is the last of them on a request that is closed now, and whether an event is a response
-- depends on its actor's role at the time. Repairs what comments on closed requests rewrote.
UPDATE requests SET
    closed_at = CASE WHEN state IN ('resolved', 'rejected') THEN (
        SELECT e.at FROM events e
        WHERE e.request_id = requests.id AND e.kind IN ('resolved', 'rejected')
        ORDER BY e.id DESC LIMIT 1
    ) END,
    closed_by = CASE WHEN state IN ('resolved', 'rejected') THEN (
        SELECT e.actor_id FROM events e
        WHERE e.request_id = requests.id AND e.kind IN ('resolved', 'rejected')
        ORDER BY e.id DESC LIMIT 1
    ) END,
    close_goalkeeper = CASE WHEN state IN ('resolved', 'rejected') THEN (
        SELECT e.goalkeeper_id FROM events e
        WHERE e.request_id = requests.id AND e.kind IN ('resolved', 'rejected')
        ORDER BY e.id DESC LIMIT 1
    ) END,
    duplicate_of = CASE WHEN state IN ('resolved', 'rejected') THEN (
        SELECT e.related_request_id FROM events e
        WHERE e.request_id = requests.id AND e.kind IN ('resolved', 'rejected')
        ORDER BY e.id DESC LIMIT 1
    ) END,
    first_response_at = (
        SELECT e.at FROM events e
        WHERE e.request_id = requests.id AND e.actor_role IN ('engineer', 'admin')
          AND e.kind IN ('taken', 'routed', 'commented', 'waiting', 'resolved', 'rejected')
        ORDER BY e.id LIMIT 1
    ),
    first_triage_at = (
        SELECT e.at FROM events e
        WHERE e.request_id = requests.id AND e.kind IN ('taken', 'routed', 'resolved', 'rejected')
        ORDER BY e.id LIMIT 1
    ),
    first_triage_goalkeeper = (
        SELECT e.goalkeeper_id FROM events e
        WHERE e.request_id = requests.id AND e.kind IN ('taken', 'routed', 'resolved', 'rejected')
        ORDER BY e.id LIMIT 1
    ),
    routed = EXISTS (SELECT 1 FROM events e WHERE e.request_id = requests.id AND e.kind = 'routed'),
    reopened = EXISTS (SELECT 1 FROM events e WHERE e.request_id = requests.id AND e.kind = 'reopened');
