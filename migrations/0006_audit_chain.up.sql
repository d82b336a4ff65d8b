-- Tamper evidence for the audit trail. Each row carries seq (its place in one chain over
-- all rows), prev_hash (the hash of the row before it) and hash = sha256(prev_hash ||
-- content), where content is the row's fields, each written as "length:text" (or "N" for
-- NULL) so that no two rows share one content. The trigger computes them in the inserting
-- transaction; a lock on the one row of audit_chain makes concurrent writers take turns,
-- so they form one chain. `registry audit verify` recomputes every hash outside the
-- database and names the first row changed, deleted or inserted out of order.

CREATE TABLE audit_chain (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    seq      bigint NOT NULL,
    hash     bytea NOT NULL
);
INSERT INTO audit_chain (seq, hash) VALUES (0, decode(repeat('00', 32), 'hex'));

ALTER TABLE audit_log ADD COLUMN seq bigint, ADD COLUMN prev_hash bytea, ADD COLUMN hash bytea;

CREATE FUNCTION audit_log_field(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN v IS NULL THEN 'N' ELSE octet_length(v)::text || ':' || v END
$$;

-- The bytes a row's hash covers; registry.AuditContent builds the same bytes in Go.
CREATE FUNCTION audit_log_content(r audit_log) RETURNS bytea LANGUAGE sql STABLE
    SET search_path = pg_catalog, public AS $$
    SELECT convert_to(
        audit_log_field(r.seq::text) || audit_log_field(r.id::text) ||
        audit_log_field(to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ||
        audit_log_field(r.user_id::text) || audit_log_field(r.actor) || audit_log_field(r.action) ||
        audit_log_field(r.entity) || audit_log_field(r.entity_id) || audit_log_field(r.study_id::text) ||
        audit_log_field(r.patient_id::text) || audit_log_field(r.before::text) ||
        audit_log_field(r.after::text) || audit_log_field(r.reason),
        'UTF8')
$$;

-- Chain the rows written before this migration, in the order of their ids.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete;
DO $$
DECLARE
    r audit_log;
    h bytea := decode(repeat('00', 32), 'hex');
    n bigint := 0;
BEGIN
    FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
        n := n + 1;
        r.seq := n;
        r.prev_hash := h;
        h := sha256(h || audit_log_content(r));
        UPDATE audit_log SET seq = n, prev_hash = r.prev_hash, hash = h WHERE id = r.id;
    END LOOP;
    UPDATE audit_chain SET seq = n, hash = h;
END;
$$;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete;

ALTER TABLE audit_log ALTER COLUMN seq SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL,
    ALTER COLUMN hash SET NOT NULL;
CREATE UNIQUE INDEX audit_log_seq ON audit_log (seq);

-- The first row a transaction writes locks the chain's head until commit; the place the
-- chain has reached within the transaction is kept in two transaction-local settings, so
-- that a statement writing many rows (an import) does not update the head row per row.
-- Both functions run as the schema's owner: the server's role needs no right on
-- audit_chain beyond reading it. A writer that forges the settings only breaks the chain,
-- which verify reports.
CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    last_seq  bigint;
    last_hash bytea;
BEGIN
    IF coalesce(current_setting('registry.audit_chain_seq', true), '') = '' THEN
        SELECT seq, hash INTO last_seq, last_hash FROM audit_chain FOR UPDATE;
    ELSE
        last_seq := current_setting('registry.audit_chain_seq')::bigint;
        last_hash := decode(current_setting('registry.audit_chain_hash'), 'hex');
    END IF;
    NEW.seq := last_seq + 1;
    NEW.prev_hash := last_hash;
    NEW.hash := sha256(last_hash || audit_log_content(NEW));
    PERFORM set_config('registry.audit_chain_seq', NEW.seq::text, true);
    PERFORM set_config('registry.audit_chain_hash', encode(NEW.hash, 'hex'), true);
    RETURN NEW;
END;
$$;

CREATE FUNCTION audit_log_chain_head() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF coalesce(current_setting('registry.audit_chain_seq', true), '') <> '' THEN
        UPDATE audit_chain SET seq = current_setting('registry.audit_chain_seq')::bigint,
            hash = decode(current_setting('registry.audit_chain_hash'), 'hex');
    END IF;
    RETURN NULL;
END;
$$;

REVOKE ALL ON FUNCTION audit_log_chain(), audit_log_chain_head() FROM PUBLIC;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_chain();
CREATE TRIGGER audit_log_chain_head AFTER INSERT ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_chain_head();

-- The chain's head is changed only by the trigger above.
CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
