-- Going back requires every patient to have a treatment date: record them first (or
-- withdraw and delete the patients that were never treated).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM patients WHERE treated_on IS NULL) THEN
        RAISE EXCEPTION 'patients awaiting treatment have no treatment date: record it before rolling back migration 15';
    END IF;
END;
$$;
ALTER TABLE patients ALTER COLUMN treated_on SET NOT NULL;
