-- Team knowledge. A resolved request is an answer everyone can read, unless its requester made
-- it private when filing; an engineer can mark its resolution as a good answer, which ranks it
-- higher. A deflection is a request that an existing answer solved before it was filed.
ALTER TABLE requests ADD COLUMN private BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE requests ADD COLUMN good_answer_by BIGINT REFERENCES users (id);
ALTER TABLE requests ADD COLUMN good_answer_at TIMESTAMP;
CREATE INDEX requests_good_answers ON requests (good_answer_at) WHERE good_answer_at IS NOT NULL;

CREATE TABLE deflections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    requester_id BIGINT NOT NULL REFERENCES users (id),
    answer_id BIGINT NOT NULL REFERENCES requests (id),
    -- What the person was about to ask.
    title TEXT NOT NULL,
    category_id BIGINT REFERENCES categories (id),
    -- The filing form's key: a second click on "This solved it" records nothing more.
    idempotency_key TEXT,
    at TIMESTAMP NOT NULL,
    goalkeeper_id BIGINT REFERENCES users (id)
);
CREATE UNIQUE INDEX deflections_draft ON deflections (requester_id, idempotency_key);
CREATE INDEX deflections_at ON deflections (at);
CREATE INDEX deflections_answer ON deflections (answer_id);

-- The latest resolution gets a column of its own, so answers can be searched by their title,
-- description and resolution only (comments and questions are not part of an answer). Earlier
-- resolutions of a reopened request move to the notes. `tags` holds markers for the index
-- (`goodanswer`), so "good answers that match" is one FTS5 query instead of a scan of every good
-- answer. FTS5 columns cannot be added, so the index is built again.
DROP TRIGGER events_text_ai;
DROP TRIGGER requests_text_ai;
DROP TRIGGER request_text_au;
DROP TRIGGER request_text_ad;
DROP TRIGGER request_text_ai;
DROP TABLE request_fts;
ALTER TABLE request_text ADD COLUMN resolution TEXT NOT NULL DEFAULT '';
ALTER TABLE request_text ADD COLUMN tags TEXT NOT NULL DEFAULT '';
UPDATE request_text SET
    resolution = COALESCE((SELECT e.note FROM events e
        WHERE e.request_id = request_text.id AND e.kind = 'resolved' AND e.note IS NOT NULL
        ORDER BY e.id DESC LIMIT 1), ''),
    notes = COALESCE((SELECT group_concat(note, char(10)) FROM (SELECT e.note FROM events e
        WHERE e.request_id = request_text.id AND e.note IS NOT NULL
          AND e.id IS NOT (SELECT MAX(l.id) FROM events l WHERE l.request_id = e.request_id AND l.kind = 'resolved' AND l.note IS NOT NULL)
        ORDER BY e.id)), '');
CREATE VIRTUAL TABLE request_fts USING fts5(
    title, description, notes, resolution, tags,
    content = 'request_text', content_rowid = 'id', tokenize = 'porter unicode61'
);
INSERT INTO request_fts (request_fts) VALUES ('rebuild');

CREATE TRIGGER request_text_ai AFTER INSERT ON request_text BEGIN
    INSERT INTO request_fts (rowid, title, description, notes, resolution, tags)
    VALUES (new.id, new.title, new.description, new.notes, new.resolution, new.tags);
END;
CREATE TRIGGER request_text_ad AFTER DELETE ON request_text BEGIN
    INSERT INTO request_fts (request_fts, rowid, title, description, notes, resolution, tags)
    VALUES ('delete', old.id, old.title, old.description, old.notes, old.resolution, old.tags);
END;
CREATE TRIGGER request_text_au AFTER UPDATE ON request_text BEGIN
    INSERT INTO request_fts (request_fts, rowid, title, description, notes, resolution, tags)
    VALUES ('delete', old.id, old.title, old.description, old.notes, old.resolution, old.tags);
    INSERT INTO request_fts (rowid, title, description, notes, resolution, tags)
    VALUES (new.id, new.title, new.description, new.notes, new.resolution, new.tags);
END;
CREATE TRIGGER requests_text_ai AFTER INSERT ON requests BEGIN
    INSERT INTO request_text (id, title, description, tags)
    VALUES (new.id, new.title, new.description, CASE WHEN new.good_answer_at IS NULL THEN '' ELSE 'goodanswer' END);
END;
CREATE TRIGGER requests_good_answer_au AFTER UPDATE OF good_answer_at ON requests
WHEN (old.good_answer_at IS NULL) <> (new.good_answer_at IS NULL) BEGIN
    UPDATE request_text SET tags = CASE WHEN new.good_answer_at IS NULL THEN '' ELSE 'goodanswer' END
    WHERE id = new.id;
END;
CREATE TRIGGER events_text_ai AFTER INSERT ON events WHEN new.note IS NOT NULL AND new.kind <> 'resolved' BEGIN
    UPDATE request_text SET notes = notes || char(10) || new.note WHERE id = new.request_id;
END;
CREATE TRIGGER events_resolution_ai AFTER INSERT ON events WHEN new.note IS NOT NULL AND new.kind = 'resolved' BEGIN
    UPDATE request_text
    SET notes = CASE WHEN resolution = '' THEN notes ELSE notes || char(10) || resolution END,
        resolution = new.note
    WHERE id = new.request_id;
END;
