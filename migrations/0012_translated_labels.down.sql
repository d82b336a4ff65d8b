ALTER TABLE ae_terms DROP COLUMN labels;
ALTER TABLE measures DROP COLUMN unit_labels;
ALTER TABLE scheduled_visits DROP COLUMN labels;
ALTER TABLE arms DROP COLUMN labels;
ALTER TABLE studies DROP COLUMN title_labels;
