DROP TABLE routing_advice;
