-- Every word of the search text as written (lower-cased, not stemmed): a word being typed is
-- looked for as the words it starts. The text search vectors hold stems, so a typed "certifi"
-- found nothing ("certificate" is stemmed to "certif"). Byte order ("C"), so the words a prefix
-- starts are one range of the key. The app fills it from the stored text once (after this
-- migration) and adds the words of every text written.
CREATE TABLE search_words (
    word TEXT COLLATE "C" PRIMARY KEY NOT NULL
);
