-- Who has a request page open, refreshed every few seconds while they do: other viewers see
-- "Priya is looking at this" before two people work on one request. Shared by every instance.
CREATE TABLE presence (
    user_id BIGINT NOT NULL REFERENCES users (id),
    request_id BIGINT NOT NULL REFERENCES requests (id),
    seen_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, request_id)
);
CREATE INDEX presence_request ON presence (request_id, seen_at);
