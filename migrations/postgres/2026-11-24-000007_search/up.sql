-- Full-text search over each request's title, description and notes (comments, questions,
-- resolutions). `request_text` holds the text, kept in step with requests and events by
-- triggers, with a weighted tsvector and a GIN index.
CREATE TABLE request_text (
    id BIGINT PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', description), 'B')
        || setweight(to_tsvector('english', notes), 'C')
    ) STORED
);
CREATE INDEX request_text_document ON request_text USING GIN (document);

CREATE FUNCTION request_text_from_request() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO request_text (id, title, description) VALUES (NEW.id, NEW.title, NEW.description);
    ELSIF NEW.title IS DISTINCT FROM OLD.title OR NEW.description IS DISTINCT FROM OLD.description THEN
        UPDATE request_text SET title = NEW.title, description = NEW.description WHERE id = NEW.id;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER requests_text AFTER INSERT OR UPDATE ON requests
FOR EACH ROW EXECUTE FUNCTION request_text_from_request();

CREATE FUNCTION request_text_from_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE request_text SET notes = notes || E'\n' || NEW.note WHERE id = NEW.request_id;
    RETURN NEW;
END;
$$;
CREATE TRIGGER events_text AFTER INSERT ON events
FOR EACH ROW WHEN (NEW.note IS NOT NULL) EXECUTE FUNCTION request_text_from_event();

INSERT INTO request_text (id, title, description, notes)
SELECT r.id, r.title, r.description,
       COALESCE((SELECT string_agg(e.note, E'\n' ORDER BY e.id) FROM events e WHERE e.request_id = r.id AND e.note IS NOT NULL), '')
FROM requests r;

-- "Closed as duplicates of this request" on the original.
CREATE INDEX requests_duplicate_of ON requests (duplicate_of);
