ALTER TABLE studies DROP COLUMN indication_labels;
