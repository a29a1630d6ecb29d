DROP TRIGGER categories_team_restamp ON categories;
DROP TRIGGER services_team_restamp ON services;
DROP TRIGGER rotation_versions_team_restamp ON rotation_versions;
DROP TRIGGER rotation_overrides_team_restamp ON rotation_overrides;
DROP TRIGGER users_team_restamp ON users;
DROP TRIGGER channels_team_restamp ON channels;
DROP TRIGGER muted_topics_team_restamp ON muted_topics;
DROP FUNCTION team_restamp();
DROP TABLE team_stamp;
