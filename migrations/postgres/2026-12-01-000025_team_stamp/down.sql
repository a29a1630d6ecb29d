-- The seven triggers that call the function go with it.
DROP FUNCTION team_restamp() CASCADE;
DROP TABLE team_stamp;
