DROP TABLE cover_requests;
