DROP TABLE visit_items;
ALTER TABLE visit_values DROP COLUMN source;
ALTER TABLE measures DROP COLUMN reported_by, DROP COLUMN question, DROP COLUMN instrument;
