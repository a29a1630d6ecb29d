-- The kinds of news a person turned off for e-mail (their in-app inbox still shows them).
CREATE TABLE muted_topics (
    user_id BIGINT NOT NULL REFERENCES users (id),
    topic TEXT NOT NULL,
    PRIMARY KEY (user_id, topic)
);
