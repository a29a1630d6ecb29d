-- Every word of the search text as written (lower-cased, not stemmed): a word being typed is
-- looked for as the words it starts. The full-text index holds stems, so a typed "certifi"
-- found nothing ("certificate" is indexed as "certif"), and without a prefix index of its
-- length FTS5 merged the entries of every word it starts over the whole history. The app fills
-- it from the stored text once (after this migration) and adds the words of every text written.
CREATE TABLE search_words (
    word TEXT PRIMARY KEY NOT NULL
) WITHOUT ROWID;
