-- The repaired summaries stay: they are right under the earlier code too.
ALTER TABLE events DROP COLUMN actor_role;
