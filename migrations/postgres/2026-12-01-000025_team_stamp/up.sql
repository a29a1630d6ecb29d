-- A stamp that changes with every write to the tables the team's setup is read from (the
-- catalog, the rota, the people and what they muted, the channels): what filing reads from them
-- is kept in the server while the stamp stays the same, so a filing reads one row instead of
-- seven tables. The stamp is random, not a count: a change that is rolled back leaves a stamp
-- no later change can reach again, so a value kept under it is never taken for a later state.
CREATE TABLE team_stamp (
    id BIGINT PRIMARY KEY NOT NULL CHECK (id = 1),
    stamp BIGINT NOT NULL
);
INSERT INTO team_stamp (id, stamp) VALUES (1, 0);

CREATE FUNCTION team_restamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE team_stamp SET stamp = floor(random() * 9007199254740991)::bigint + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER categories_team_restamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION team_restamp();
CREATE TRIGGER services_team_restamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON services
    FOR EACH STATEMENT EXECUTE FUNCTION team_restamp();
CREATE TRIGGER rotation_versions_team_restamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rotation_versions
    FOR EACH STATEMENT EXECUTE FUNCTION team_restamp();
CREATE TRIGGER rotation_overrides_team_restamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rotation_overrides
    FOR EACH STATEMENT EXECUTE FUNCTION team_restamp();
CREATE TRIGGER users_team_restamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION team_restamp();
CREATE TRIGGER channels_team_restamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON channels
    FOR EACH STATEMENT EXECUTE FUNCTION team_restamp();
CREATE TRIGGER muted_topics_team_restamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON muted_topics
    FOR EACH STATEMENT EXECUTE FUNCTION team_restamp();
