-- The figures of finished weeks, kept as data: a week is computed once per office-hours setting
-- (`settings_key`) and forgotten when an event changes a request summary inside it.
CREATE TABLE week_figures (
    week TEXT NOT NULL,
    settings_key TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    figures TEXT NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (week, settings_key)
);
-- Moves on whenever an event touches a moment that may lie in a finished week, so a figure
-- computed from an older snapshot is never stored after the change.
INSERT INTO settings (name, value) VALUES ('figures_generation', '0');
