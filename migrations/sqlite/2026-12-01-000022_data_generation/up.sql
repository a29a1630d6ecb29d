-- One number that grows with every committed change to the tables the kept figures read
-- (db::memo): a figure computed at generation n is right for every reader that sees n.
-- PostgreSQL needs none of this: its snapshots name the committed state themselves.
-- Tables not watched here (sessions, deliveries, presence, …) change on ordinary views or in the
-- background and are never read by a kept figure; db::memo's tests hold the two lists.
CREATE TABLE data_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n BIGINT NOT NULL
);
INSERT INTO data_generation (id, n) VALUES (1, 0);
CREATE TRIGGER users_generation_insert AFTER INSERT ON users BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER users_generation_update AFTER UPDATE ON users BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER users_generation_delete AFTER DELETE ON users BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER settings_generation_insert AFTER INSERT ON settings BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER settings_generation_update AFTER UPDATE ON settings BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER settings_generation_delete AFTER DELETE ON settings BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER services_generation_insert AFTER INSERT ON services BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER services_generation_update AFTER UPDATE ON services BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER services_generation_delete AFTER DELETE ON services BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER categories_generation_insert AFTER INSERT ON categories BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER categories_generation_update AFTER UPDATE ON categories BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER categories_generation_delete AFTER DELETE ON categories BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER requests_generation_insert AFTER INSERT ON requests BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER requests_generation_update AFTER UPDATE ON requests BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER requests_generation_delete AFTER DELETE ON requests BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER events_generation_insert AFTER INSERT ON events BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER events_generation_update AFTER UPDATE ON events BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER events_generation_delete AFTER DELETE ON events BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER rotation_versions_generation_insert AFTER INSERT ON rotation_versions BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER rotation_versions_generation_update AFTER UPDATE ON rotation_versions BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER rotation_versions_generation_delete AFTER DELETE ON rotation_versions BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER rotation_overrides_generation_insert AFTER INSERT ON rotation_overrides BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER rotation_overrides_generation_update AFTER UPDATE ON rotation_overrides BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER rotation_overrides_generation_delete AFTER DELETE ON rotation_overrides BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER handover_notes_generation_insert AFTER INSERT ON handover_notes BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER handover_notes_generation_update AFTER UPDATE ON handover_notes BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER handover_notes_generation_delete AFTER DELETE ON handover_notes BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER routing_advice_generation_insert AFTER INSERT ON routing_advice BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER routing_advice_generation_update AFTER UPDATE ON routing_advice BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER routing_advice_generation_delete AFTER DELETE ON routing_advice BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER deflections_generation_insert AFTER INSERT ON deflections BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER deflections_generation_update AFTER UPDATE ON deflections BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER deflections_generation_delete AFTER DELETE ON deflections BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER cover_requests_generation_insert AFTER INSERT ON cover_requests BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER cover_requests_generation_update AFTER UPDATE ON cover_requests BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER cover_requests_generation_delete AFTER DELETE ON cover_requests BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER saved_views_generation_insert AFTER INSERT ON saved_views BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER saved_views_generation_update AFTER UPDATE ON saved_views BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER saved_views_generation_delete AFTER DELETE ON saved_views BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER attachments_generation_insert AFTER INSERT ON attachments BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER attachments_generation_update AFTER UPDATE ON attachments BEGIN UPDATE data_generation SET n = n + 1; END;
CREATE TRIGGER attachments_generation_delete AFTER DELETE ON attachments BEGIN UPDATE data_generation SET n = n + 1; END;
