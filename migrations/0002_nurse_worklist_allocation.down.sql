DROP INDEX IF EXISTS audit_log_user;
DROP TABLE IF EXISTS allocation_blocks;
ALTER TABLE patients DROP COLUMN IF EXISTS allocated_by;
DROP INDEX IF EXISTS patients_active_site;
