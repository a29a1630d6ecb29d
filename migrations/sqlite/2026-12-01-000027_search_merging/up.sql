-- Every filing adds a small segment to the full-text index (each write of a group commit is a
-- savepoint, and FTS5 writes its pending terms out at each one), and FTS5 merges segments as
-- they pile up. By default it starts merging a level at 4 segments: at a million requests that
-- merging was most of a filing's cost (8 concurrent clients: 569-613 filings/s, p99 104-108 ms).
-- Merging a level at 16 segments rewrites each entry about half as often (1,000 filings a
-- second write 16 segments a level in a few seconds, then one merge takes them all): 902-969
-- filings/s, p99 21-24 ms, for at most 15 segments per level for a search to read. A level is
-- merged at once only at 64 segments (the crisis merge), which steady merging never reaches.
INSERT INTO request_fts (request_fts, rank) VALUES ('automerge', 16);
INSERT INTO request_fts (request_fts, rank) VALUES ('crisismerge', 64);
