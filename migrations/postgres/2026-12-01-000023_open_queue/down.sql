DROP INDEX requests_open_queue;
