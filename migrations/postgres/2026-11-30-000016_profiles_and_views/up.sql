-- A person's own time zone for the times pages show them (metrics keep the team's).
ALTER TABLE users ADD COLUMN time_zone TEXT;

-- The service tier a request had when it was filed: the week's intake by tier keeps it when the
-- request is edited later or an admin changes the service's tier.
ALTER TABLE requests ADD COLUMN filed_tier TEXT;
UPDATE requests SET filed_tier = (SELECT tier FROM services WHERE services.id = requests.service_id);

-- Queue filters an engineer saved under a name.
CREATE TABLE saved_views (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, name)
);
