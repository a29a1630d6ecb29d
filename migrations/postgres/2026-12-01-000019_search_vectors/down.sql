DROP TRIGGER request_text_vectors ON request_text;
DROP FUNCTION request_text_vectors();
ALTER TABLE request_text DROP COLUMN document, DROP COLUMN answer_document;
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
