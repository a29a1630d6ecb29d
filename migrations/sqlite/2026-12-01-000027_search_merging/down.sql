-- FTS5's defaults.
INSERT INTO request_fts (request_fts, rank) VALUES ('automerge', 4);
INSERT INTO request_fts (request_fts, rank) VALUES ('crisismerge', 16);
