DROP INDEX users_calendar_token;
DROP INDEX events_target;
ALTER TABLE users DROP COLUMN calendar_token;
ALTER TABLE events DROP COLUMN goalkeeper_id;
DROP TABLE rotation_overrides;
DROP TABLE rotation_versions;
