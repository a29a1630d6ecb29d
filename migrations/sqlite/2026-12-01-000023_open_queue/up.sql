-- The queue's default view (every open request, most urgent first) read from an index that
-- holds only open requests, already in the queue's order: the first page is its first fifty
-- entries, instead of every open request's key gathered from three state ranges and sorted.
-- The condition is written exactly as db::requests::state_in writes the open states, so the
-- planner sees that a query's condition is this one.
CREATE INDEX requests_open_queue ON requests (tier_rank, urgency_rank, created_at, id)
    WHERE state IN ('new', 'in_progress', 'waiting');
