-- A stamp that changes with every write to the tables the team's setup is read from (the
-- catalog, the rota, the people and what they muted, the channels): what filing reads from them
-- is kept in the server while the stamp stays the same. The stamp is random, not a count: a
-- change that is rolled back leaves a stamp no later change can reach again, so a value kept
-- under it is never taken for a later state.
CREATE TABLE team_stamp (
    id BIGINT PRIMARY KEY NOT NULL CHECK (id = 1),
    stamp BIGINT NOT NULL
);
INSERT INTO team_stamp (id, stamp) VALUES (1, 0);
CREATE TRIGGER categories_team_restamp_insert AFTER INSERT ON categories
BEGIN UPDATE team_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER categories_team_restamp_update AFTER UPDATE ON categories
BEGIN UPDATE team_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER categories_team_restamp_delete AFTER DELETE ON categories
BEGIN UPDATE team_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER services_team_restamp_insert AFTER INSERT ON services
BEGIN UPDATE team_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER services_team_restamp_update AFTER UPDATE ON services
BEGIN UPDATE team_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER services_team_restamp_delete AFTER DELETE ON services
BEGIN UPDATE team_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER rotation_versions_team_restamp_insert AFTER INSERT ON rotation_versions
BEGIN UPDATE team_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER rotation_versions_team_restamp_update AFTER UPDATE ON rotation_versions
BEGIN UPDATE team_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER rotation_versions_team_restamp_delete AFTER DELETE ON rotation_versions
BEGIN UPDATE team_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER rotation_overrides_team_restamp_insert AFTER INSERT ON rotation_overrides
BEGIN UPDATE team_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER rotation_overrides_team_restamp_update AFTER UPDATE ON rotation_overrides
BEGIN UPDATE team_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER rotation_overrides_team_restamp_delete AFTER DELETE ON rotation_overrides
BEGIN UPDATE team_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER users_team_restamp_insert AFTER INSERT ON users
BEGIN UPDATE team_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER users_team_restamp_update AFTER UPDATE ON users
BEGIN UPDATE team_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER users_team_restamp_delete AFTER DELETE ON users
BEGIN UPDATE team_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER channels_team_restamp_insert AFTER INSERT ON channels
BEGIN UPDATE team_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER channels_team_restamp_update AFTER UPDATE ON channels
BEGIN UPDATE team_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER channels_team_restamp_delete AFTER DELETE ON channels
BEGIN UPDATE team_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER muted_topics_team_restamp_insert AFTER INSERT ON muted_topics
BEGIN UPDATE team_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER muted_topics_team_restamp_update AFTER UPDATE ON muted_topics
BEGIN UPDATE team_stamp SET stamp = random() WHERE id = 1; END;
CREATE TRIGGER muted_topics_team_restamp_delete AFTER DELETE ON muted_topics
BEGIN UPDATE team_stamp SET stamp = random() WHERE id = 1; END;
