DROP INDEX requests_created;
DROP INDEX requests_closed;
DROP TABLE handover_notes;
