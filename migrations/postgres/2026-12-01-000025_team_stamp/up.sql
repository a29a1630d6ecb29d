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

DO $$
DECLARE
    setup_table TEXT;
BEGIN
    FOREACH setup_table IN ARRAY ARRAY['categories', 'services', 'rotation_versions', 'rotation_overrides',
                                       'users', 'channels', 'muted_topics'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION team_restamp()',
                       setup_table || '_team_restamp', setup_table);
    END LOOP;
END;
$$;
