-- Outcome cells per measure, visit, arm, site, sex and age band: no reader asks an outcome
-- cell for its patients' status or month of treatment (the filters reach site, sex and age
-- band), and splitting by them made about 25 times as many rows to add up on every read
-- (37,888 instead of 1,480 for knee-oa at 100,000 patients). The catch-up (functions.sql)
-- keeps them at this grain; the rows already kept are summed, so no rebuild is needed.
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
