-- Files attached to a request, kept in the database itself so that backup and copy carry them
-- with everything else. Deleting one empties its content and leaves an event.
CREATE TABLE attachments (
    id BIGSERIAL PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES requests (id),
    uploader_id BIGINT NOT NULL REFERENCES users (id),
    file_name TEXT NOT NULL,
    -- Sniffed from the content, never taken from the upload.
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    internal BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP,
    deleted_by BIGINT REFERENCES users (id),
    content BYTEA NOT NULL
);
CREATE INDEX attachments_request ON attachments (request_id, id);
