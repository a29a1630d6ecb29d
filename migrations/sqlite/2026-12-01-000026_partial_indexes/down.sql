DROP INDEX requests_duplicate_of;
CREATE INDEX requests_duplicate_of ON requests (duplicate_of);
DROP INDEX events_target;
CREATE INDEX events_target ON events (target_id, kind);
DROP INDEX events_routed;
CREATE INDEX events_kind_at ON events (kind, at);
CREATE INDEX events_at ON events (at);
