-- Full-text search over each request's title, description and notes (comments, questions,
-- resolutions). `request_text` holds the text, kept in step with requests and events by
-- triggers; `request_fts` is an FTS5 index over it as external content.
CREATE TABLE request_text (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT ''
);
CREATE VIRTUAL TABLE request_fts USING fts5(
    title, description, notes,
    content = 'request_text', content_rowid = 'id', tokenize = 'porter unicode61'
);

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
CREATE TRIGGER requests_text_au AFTER UPDATE OF title, description ON requests BEGIN
    UPDATE request_text SET title = new.title, description = new.description WHERE id = new.id;
END;
CREATE TRIGGER events_text_ai AFTER INSERT ON events WHEN new.note IS NOT NULL BEGIN
    UPDATE request_text SET notes = notes || char(10) || new.note WHERE id = new.request_id;
END;

INSERT INTO request_text (id, title, description, notes)
SELECT r.id, r.title, r.description,
       COALESCE((SELECT group_concat(e.note, char(10)) FROM events e WHERE e.request_id = r.id AND e.note IS NOT NULL), '')
FROM requests r;

-- "Closed as duplicates of this request" on the original.
CREATE INDEX requests_duplicate_of ON requests (duplicate_of);
