DO $$
DECLARE
    setup_table TEXT;
BEGIN
    FOREACH setup_table IN ARRAY ARRAY['categories', 'services', 'rotation_versions', 'rotation_overrides',
                                       'users', 'channels', 'muted_topics'] LOOP
        EXECUTE format('DROP TRIGGER %I ON %I', setup_table || '_team_restamp', setup_table);
    END LOOP;
END;
$$;
DROP FUNCTION team_restamp();
DROP TABLE team_stamp;
