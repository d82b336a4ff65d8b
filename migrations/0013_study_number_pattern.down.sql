ALTER TABLE studies DROP COLUMN number_pattern;
