-- Patient-reported measures and scored instruments (KOOS, HAQ-DI...): a measure says who
-- reports it, the question put to the patient (en, sv, da, es) and the instrument whose
-- score is its value (registry/instrument.go); a value says who gave it, and the answers to
-- an instrument's items are kept with the visit.
ALTER TABLE measures
    ADD COLUMN reported_by text NOT NULL DEFAULT '' CHECK (reported_by IN ('', 'patient')),
    ADD COLUMN question jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(question) = 'object'),
    ADD COLUMN instrument jsonb CHECK (instrument IS NULL OR jsonb_typeof(instrument) = 'object');

-- staff: typed by a nurse; patient: answered from home by the patient's link; import: read
-- from a CSV file.
ALTER TABLE visit_values
    ADD COLUMN source text NOT NULL DEFAULT 'staff' CHECK (source IN ('staff', 'patient', 'import'));

-- The answers to an instrument's items; an item left unanswered has no row. The score is
-- the measure's row in visit_values, computed from these: the answers belong to it and go
-- with it (and with its visit, whose deletion takes its values). One foreign key, not one to
-- the visit and one to the measure: a study of 100,000 patients has millions of answers.
CREATE TABLE visit_items (
    study_id   bigint NOT NULL,
    visit_id   bigint NOT NULL,
    measure_id bigint NOT NULL,
    -- The item's code in its instrument (checked with the study file); byte order: the
    -- key compares fast.
    item_code  text COLLATE "C" NOT NULL,
    value      double precision NOT NULL,
    PRIMARY KEY (visit_id, measure_id, item_code),
    FOREIGN KEY (visit_id, measure_id) REFERENCES visit_values (visit_id, measure_id) ON DELETE CASCADE
);
CREATE INDEX visit_items_measure ON visit_items (study_id, measure_id);

-- The follow-up flow counts, per visit, the visits whose patient-reported values the
-- patient gave from home (dashboard_catch_up, migrations/functions.sql).
ALTER TABLE dashboard_patient_visits ADD COLUMN from_home boolean NOT NULL DEFAULT false;
ALTER TABLE dashboard_visit_cells ADD COLUMN from_home bigint NOT NULL DEFAULT 0;
