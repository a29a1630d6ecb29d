DROP TABLE muted_topics;
