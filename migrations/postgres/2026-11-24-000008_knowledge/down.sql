CREATE OR REPLACE FUNCTION request_text_from_request() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO request_text (id, title, description) VALUES (NEW.id, NEW.title, NEW.description);
    ELSIF NEW.title IS DISTINCT FROM OLD.title OR NEW.description IS DISTINCT FROM OLD.description THEN
        UPDATE request_text SET title = NEW.title, description = NEW.description WHERE id = NEW.id;
    END IF;
    RETURN NEW;
END;
$$;
CREATE OR REPLACE FUNCTION request_text_from_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE request_text SET notes = notes || E'\n' || NEW.note WHERE id = NEW.request_id;
    RETURN NEW;
END;
$$;
ALTER TABLE request_text DROP COLUMN answer_document, DROP COLUMN document;
UPDATE request_text SET notes = notes || E'\n' || resolution WHERE resolution <> '';
ALTER TABLE request_text DROP COLUMN resolution, DROP COLUMN tags;
ALTER TABLE request_text ADD COLUMN document tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A')
    || setweight(to_tsvector('english', description), 'B')
    || setweight(to_tsvector('english', notes), 'C')
) STORED;
CREATE INDEX request_text_document ON request_text USING GIN (document);

DROP TABLE deflections;
DROP INDEX requests_good_answers;
ALTER TABLE requests DROP COLUMN good_answer_at, DROP COLUMN good_answer_by, DROP COLUMN private;
