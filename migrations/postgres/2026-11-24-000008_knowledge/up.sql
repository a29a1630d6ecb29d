-- Team knowledge. A resolved request is an answer everyone can read, unless its requester made
-- it private when filing; an engineer can mark its resolution as a good answer, which ranks it
-- higher. A deflection is a request that an existing answer solved before it was filed.
ALTER TABLE requests
    ADD COLUMN private BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN good_answer_by BIGINT REFERENCES users (id),
    ADD COLUMN good_answer_at TIMESTAMP;
CREATE INDEX requests_good_answers ON requests (good_answer_at) WHERE good_answer_at IS NOT NULL;

CREATE TABLE deflections (
    id BIGSERIAL PRIMARY KEY,
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
-- description and resolution only (comments and questions are not part of an answer), through
-- a second tsvector. Earlier resolutions of a reopened request move to the notes.
ALTER TABLE request_text DROP COLUMN document;
ALTER TABLE request_text ADD COLUMN resolution TEXT NOT NULL DEFAULT '';
-- Markers for the search (`goodanswer`): partial GIN indexes over the good answers alone make
-- "the good answers that match" a small index scan.
ALTER TABLE request_text ADD COLUMN tags TEXT NOT NULL DEFAULT '';
WITH latest AS (
    SELECT DISTINCT ON (request_id) request_id, id, note FROM events
    WHERE kind = 'resolved' AND note IS NOT NULL
    ORDER BY request_id, id DESC
)
UPDATE request_text t SET
    resolution = latest.note,
    notes = COALESCE((SELECT string_agg(e.note, E'\n' ORDER BY e.id) FROM events e
        WHERE e.request_id = t.id AND e.note IS NOT NULL AND e.id <> latest.id), '')
FROM latest WHERE latest.request_id = t.id;
ALTER TABLE request_text
    ADD COLUMN document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', description), 'B')
        || setweight(to_tsvector('english', notes), 'C')
        || setweight(to_tsvector('english', resolution), 'B')
    ) STORED,
    ADD COLUMN answer_document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', description), 'B')
        || setweight(to_tsvector('english', resolution), 'B')
    ) STORED;
CREATE INDEX request_text_document ON request_text USING GIN (document);
CREATE INDEX request_text_answer ON request_text USING GIN (answer_document);
CREATE INDEX request_text_good ON request_text USING GIN (document) WHERE tags = 'goodanswer';
CREATE INDEX request_text_good_answer ON request_text USING GIN (answer_document) WHERE tags = 'goodanswer';

CREATE OR REPLACE FUNCTION request_text_from_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.kind = 'resolved' THEN
        UPDATE request_text
        SET notes = CASE WHEN resolution = '' THEN notes ELSE notes || E'\n' || resolution END,
            resolution = NEW.note
        WHERE id = NEW.request_id;
    ELSE
        UPDATE request_text SET notes = notes || E'\n' || NEW.note WHERE id = NEW.request_id;
    END IF;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION request_text_from_request() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO request_text (id, title, description, tags)
        VALUES (NEW.id, NEW.title, NEW.description, CASE WHEN NEW.good_answer_at IS NULL THEN '' ELSE 'goodanswer' END);
    ELSE
        IF NEW.title IS DISTINCT FROM OLD.title OR NEW.description IS DISTINCT FROM OLD.description THEN
            UPDATE request_text SET title = NEW.title, description = NEW.description WHERE id = NEW.id;
        END IF;
        IF (NEW.good_answer_at IS NULL) <> (OLD.good_answer_at IS NULL) THEN
            UPDATE request_text SET tags = CASE WHEN NEW.good_answer_at IS NULL THEN '' ELSE 'goodanswer' END
            WHERE id = NEW.id;
        END IF;
    END IF;
    RETURN NEW;
END;
$$;
