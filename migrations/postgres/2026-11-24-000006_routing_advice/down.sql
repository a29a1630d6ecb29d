DROP INDEX requests_category_closed;
DROP TABLE routing_advice;
