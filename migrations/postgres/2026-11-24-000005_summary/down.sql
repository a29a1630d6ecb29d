DROP INDEX events_kind_at;
DROP INDEX requests_triaged;
ALTER TABLE requests DROP COLUMN reopened;
ALTER TABLE requests DROP COLUMN routed;
ALTER TABLE requests DROP COLUMN close_goalkeeper;
ALTER TABLE requests DROP COLUMN first_triage_goalkeeper;
ALTER TABLE requests DROP COLUMN first_triage_at;
ALTER TABLE requests DROP COLUMN first_response_at;
