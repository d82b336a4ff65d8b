-- Outcome and adverse-event cells without status and month of treatment: no reader asks
-- them for either (the filters reach site, sex and age band), and splitting by them made
-- many times as many rows to add up on every read. For knee-oa at 100,000 patients: outcome
-- cells 1,480 instead of 37,888, adverse-event cells 173 instead of 4,600, term cells 275
-- instead of 7,488. The catch-up (functions.sql) keeps them at this grain; the rows already
-- kept are summed, so no rebuild is needed.
--
-- The visit and patient cells keep status (the flow counts patients by it) and the month
-- of treatment of active patients only (the visits whose window has closed are counted by
-- it, for active patients): the other patients' cells are summed into one per group with
-- the month 'infinity' (functions.sql: dashboard_cell_month). For knee-oa at 100,000
-- patients: visit cells 4,440 instead of 9,867, patient cells 1,185 instead of 2,762.
CREATE TABLE dashboard_outcome_cells_new (
    study_id           bigint NOT NULL,
    measure_id         bigint NOT NULL,
    scheduled_visit_id bigint NOT NULL,
    arm_id             bigint NOT NULL,
    site_id            bigint NOT NULL,
    sex                text NOT NULL,
    age_band           smallint NOT NULL,
    n                  bigint NOT NULL,
    total              double precision NOT NULL,
    total_sq           double precision NOT NULL,
    change_n           bigint NOT NULL,
    change_total       double precision NOT NULL,
    change_total_sq    double precision NOT NULL,
    responders         bigint NOT NULL,
    CONSTRAINT dashboard_outcome_cells_pkey_new PRIMARY KEY (study_id, measure_id, scheduled_visit_id, arm_id, site_id, sex, age_band)
);

INSERT INTO dashboard_outcome_cells_new
SELECT study_id, measure_id, scheduled_visit_id, arm_id, site_id, sex, age_band,
       sum(n), sum(total), sum(total_sq), sum(change_n), sum(change_total), sum(change_total_sq), sum(responders)
FROM dashboard_outcome_cells
GROUP BY 1, 2, 3, 4, 5, 6, 7;

DROP TABLE dashboard_outcome_cells;
ALTER TABLE dashboard_outcome_cells_new RENAME TO dashboard_outcome_cells;
ALTER TABLE dashboard_outcome_cells RENAME CONSTRAINT dashboard_outcome_cells_pkey_new TO dashboard_outcome_cells_pkey;

CREATE TABLE dashboard_ae_cells_new (
    study_id bigint NOT NULL, arm_id bigint NOT NULL, site_id bigint NOT NULL, sex text NOT NULL,
    age_band smallint NOT NULL,
    worst_grade smallint NOT NULL, serious boolean NOT NULL,
    n bigint NOT NULL,
    CONSTRAINT dashboard_ae_cells_pkey_new PRIMARY KEY (study_id, arm_id, site_id, sex, age_band, worst_grade, serious)
);
INSERT INTO dashboard_ae_cells_new
SELECT study_id, arm_id, site_id, sex, age_band, worst_grade, serious, sum(n)
FROM dashboard_ae_cells
GROUP BY 1, 2, 3, 4, 5, 6, 7;
DROP TABLE dashboard_ae_cells;
ALTER TABLE dashboard_ae_cells_new RENAME TO dashboard_ae_cells;
ALTER TABLE dashboard_ae_cells RENAME CONSTRAINT dashboard_ae_cells_pkey_new TO dashboard_ae_cells_pkey;

CREATE TABLE dashboard_ae_term_cells_new (
    study_id bigint NOT NULL, arm_id bigint NOT NULL, site_id bigint NOT NULL, sex text NOT NULL,
    age_band smallint NOT NULL,
    term text NOT NULL,
    n bigint NOT NULL,
    CONSTRAINT dashboard_ae_term_cells_pkey_new PRIMARY KEY (study_id, arm_id, site_id, sex, age_band, term)
);
INSERT INTO dashboard_ae_term_cells_new
SELECT study_id, arm_id, site_id, sex, age_band, term, sum(n)
FROM dashboard_ae_term_cells
GROUP BY 1, 2, 3, 4, 5, 6;
DROP TABLE dashboard_ae_term_cells;
ALTER TABLE dashboard_ae_term_cells_new RENAME TO dashboard_ae_term_cells;
ALTER TABLE dashboard_ae_term_cells RENAME CONSTRAINT dashboard_ae_term_cells_pkey_new TO dashboard_ae_term_cells_pkey;

CREATE TABLE dashboard_cells_ended AS
SELECT study_id, scheduled_visit_id, arm_id, site_id, sex, age_band, status,
       sum(done)::bigint AS done, sum(missed)::bigint AS missed, sum(done_in_window)::bigint AS done_in_window,
       sum(from_home)::bigint AS from_home
FROM dashboard_visit_cells WHERE status <> 'active'
GROUP BY 1, 2, 3, 4, 5, 6, 7;
DELETE FROM dashboard_visit_cells WHERE status <> 'active';
INSERT INTO dashboard_visit_cells (study_id, scheduled_visit_id, arm_id, site_id, sex, age_band, status, treated_month,
    done, missed, done_in_window, from_home)
SELECT study_id, scheduled_visit_id, arm_id, site_id, sex, age_band, status, 'infinity', done, missed, done_in_window, from_home
FROM dashboard_cells_ended;
DROP TABLE dashboard_cells_ended;

CREATE TABLE dashboard_cells_ended AS
SELECT study_id, arm_id, site_id, sex, age_band, status, sum(n)::bigint AS n
FROM dashboard_patient_cells WHERE status <> 'active'
GROUP BY 1, 2, 3, 4, 5, 6;
DELETE FROM dashboard_patient_cells WHERE status <> 'active';
INSERT INTO dashboard_patient_cells (study_id, arm_id, site_id, sex, age_band, status, treated_month, n)
SELECT study_id, arm_id, site_id, sex, age_band, status, 'infinity', n FROM dashboard_cells_ended;
DROP TABLE dashboard_cells_ended;
