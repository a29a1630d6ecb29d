DROP INDEX requests_coverage;
CREATE INDEX requests_closed ON requests (closed_at);
ALTER TABLE requests DROP COLUMN closed_by;
