DROP TABLE request_fts;
CREATE VIRTUAL TABLE request_fts USING fts5(
    title, description, notes, resolution, tags,
    content = 'request_text', content_rowid = 'id', tokenize = 'porter unicode61'
);
INSERT INTO request_fts (request_fts) VALUES ('rebuild');
