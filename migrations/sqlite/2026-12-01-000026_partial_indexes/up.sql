-- Smaller indexes on the large tables: each filing and triage action writes an event, and a bulk
-- load builds every index over millions of rows. An index holds only the rows its readers look up.
-- Nothing reads events by time alone any more; the routings of a span (the week figures) have
-- an index of their own holding routings only, whose condition the query writes as a constant.
DROP INDEX events_at;
DROP INDEX events_kind_at;
CREATE INDEX events_routed ON events (at) WHERE kind = 'routed';
-- Only routings and consults name a target, and the target is always what is looked up.
DROP INDEX events_target;
CREATE INDEX events_target ON events (target_id, kind) WHERE target_id IS NOT NULL;
-- Few requests are duplicates, and a duplicate is always looked up by what it duplicates.
DROP INDEX requests_duplicate_of;
CREATE INDEX requests_duplicate_of ON requests (duplicate_of) WHERE duplicate_of IS NOT NULL;
