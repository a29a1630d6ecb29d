DROP TRIGGER requests_good_answer_au;
DROP TRIGGER requests_text_ai;
DROP TRIGGER events_resolution_ai;
DROP TRIGGER events_text_ai;
DROP TRIGGER request_text_au;
DROP TRIGGER request_text_ad;
DROP TRIGGER request_text_ai;
DROP TABLE request_fts;
UPDATE request_text SET notes = CASE WHEN resolution = '' THEN notes ELSE notes || char(10) || resolution END;
ALTER TABLE request_text DROP COLUMN resolution;
ALTER TABLE request_text DROP COLUMN tags;
CREATE VIRTUAL TABLE request_fts USING fts5(
    title, description, notes,
    content = 'request_text', content_rowid = 'id', tokenize = 'porter unicode61'
);
INSERT INTO request_fts (request_fts) VALUES ('rebuild');
CREATE TRIGGER request_text_ai AFTER INSERT ON request_text BEGIN
    INSERT INTO request_fts (rowid, title, description, notes) VALUES (new.id, new.title, new.description, new.notes);
END;
CREATE TRIGGER request_text_ad AFTER DELETE ON request_text BEGIN
    INSERT INTO request_fts (request_fts, rowid, title, description, notes) VALUES ('delete', old.id, old.title, old.description, old.notes);
END;
CREATE TRIGGER request_text_au AFTER UPDATE ON request_text BEGIN
    INSERT INTO request_fts (request_fts, rowid, title, description, notes) VALUES ('delete', old.id, old.title, old.description, old.notes);
    INSERT INTO request_fts (rowid, title, description, notes) VALUES (new.id, new.title, new.description, new.notes);
END;
CREATE TRIGGER requests_text_ai AFTER INSERT ON requests BEGIN
    INSERT INTO request_text (id, title, description) VALUES (new.id, new.title, new.description);
END;
CREATE TRIGGER events_text_ai AFTER INSERT ON events WHEN new.note IS NOT NULL BEGIN
    UPDATE request_text SET notes = notes || char(10) || new.note WHERE id = new.request_id;
END;

DROP TABLE deflections;
DROP INDEX requests_good_answers;
ALTER TABLE requests DROP COLUMN good_answer_at;
ALTER TABLE requests DROP COLUMN good_answer_by;
ALTER TABLE requests DROP COLUMN private;
