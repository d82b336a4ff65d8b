DROP TABLE code_breaks;
ALTER TABLE studies DROP COLUMN unblinded_by, DROP COLUMN unblinded_at, DROP COLUMN blinded;
