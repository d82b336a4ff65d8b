ALTER TABLE studies DROP COLUMN main_visit;
