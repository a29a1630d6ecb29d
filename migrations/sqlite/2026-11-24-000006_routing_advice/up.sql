-- When routing into a knowledge silo, the route form suggests someone less experienced (and
-- consulting the expert); this records the advice given with each routing and whether it was
-- followed. The routing event is (request_id, request_version).
CREATE TABLE routing_advice (
    request_id BIGINT NOT NULL REFERENCES requests (id),
    request_version INTEGER NOT NULL,
    expert_id BIGINT NOT NULL REFERENCES users (id),
    suggested_id BIGINT REFERENCES users (id),
    routed_to BIGINT NOT NULL REFERENCES users (id),
    followed BOOLEAN NOT NULL,
    at TIMESTAMP NOT NULL,
    PRIMARY KEY (request_id, request_version)
);

-- Routing advice counts one category's resolved requests in a window.
CREATE INDEX requests_category_closed ON requests (category_id, state, closed_at, closed_by);
