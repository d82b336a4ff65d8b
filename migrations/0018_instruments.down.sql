ALTER TABLE dashboard_visit_cells DROP COLUMN from_home;
ALTER TABLE dashboard_patient_visits DROP COLUMN from_home;
DROP TABLE visit_items;
ALTER TABLE visit_values DROP COLUMN source;
ALTER TABLE measures DROP COLUMN reported_by, DROP COLUMN question, DROP COLUMN instrument;
