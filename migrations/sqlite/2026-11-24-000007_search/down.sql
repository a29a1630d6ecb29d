DROP TRIGGER events_text_ai;
DROP TRIGGER requests_text_au;
DROP TRIGGER requests_text_ai;
DROP TRIGGER request_text_au;
DROP TRIGGER request_text_ad;
DROP TRIGGER request_text_ai;
DROP TABLE request_fts;
DROP TABLE request_text;
