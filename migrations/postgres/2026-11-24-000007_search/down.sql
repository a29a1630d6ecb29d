DROP INDEX requests_duplicate_of;
DROP TRIGGER events_text ON events;
DROP FUNCTION request_text_from_event();
DROP TRIGGER requests_text ON requests;
DROP FUNCTION request_text_from_request();
DROP TABLE request_text;
