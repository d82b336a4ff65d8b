DROP TRIGGER IF EXISTS audit_log_chain_head ON audit_log;
DROP TRIGGER IF EXISTS audit_log_chain ON audit_log;
DROP FUNCTION IF EXISTS audit_log_chain_head();
DROP FUNCTION IF EXISTS audit_log_chain();
DROP INDEX IF EXISTS audit_log_seq;
DROP FUNCTION IF EXISTS audit_log_content(audit_log);
DROP FUNCTION IF EXISTS audit_log_field(text);
ALTER TABLE audit_log DROP COLUMN IF EXISTS seq, DROP COLUMN IF EXISTS prev_hash, DROP COLUMN IF EXISTS hash;
DROP TABLE IF EXISTS audit_chain;
