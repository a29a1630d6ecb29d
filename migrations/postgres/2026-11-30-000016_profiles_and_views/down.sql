DROP TABLE saved_views;
ALTER TABLE requests DROP COLUMN filed_tier;
ALTER TABLE users DROP COLUMN time_zone;
