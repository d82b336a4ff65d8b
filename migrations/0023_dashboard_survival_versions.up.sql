-- A version of each study's kept time-to-event counts (dashboard_survival_cells and
-- dashboard_followed_cells): the catch-up gives a study a new one whenever it changes
-- them, so that the dashboards may keep what they read from them until then
-- (dashboard/survival_kept.go). A random value, not a counter: a restored or rebuilt
-- database never repeats one a running server has kept counts under.
CREATE TABLE dashboard_survival_versions (
    study_id bigint PRIMARY KEY REFERENCES studies (id) ON DELETE CASCADE,
    version  uuid NOT NULL
);

INSERT INTO dashboard_survival_versions (study_id, version) SELECT id, gen_random_uuid() FROM studies;
