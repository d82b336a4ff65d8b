-- The nurse's side: worklist indexes and the state of block randomisation.

-- The worklist reads the active patients of a nurse's sites.
CREATE INDEX patients_active_site ON patients (site_id, study_id) WHERE status = 'active';

-- How a patient's arm was chosen: allocated by the registry from a permuted block, or
-- entered from an external randomisation list.
ALTER TABLE patients ADD COLUMN allocated_by text NOT NULL DEFAULT 'external'
    CHECK (allocated_by IN ('registry', 'external'));

-- Permuted blocks of random size, per study and site. Each block is stored in full when it
-- is drawn, so every allocation can be traced back to its block and position.
CREATE TABLE allocation_blocks (
    study_id   bigint NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    site_id    bigint NOT NULL REFERENCES sites (id),
    block_no   integer NOT NULL CHECK (block_no >= 1),
    arm_ids    bigint[] NOT NULL CHECK (cardinality(arm_ids) >= 1),
    used       integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (study_id, site_id, block_no),
    CHECK (used BETWEEN 0 AND cardinality(arm_ids))
);

-- The audit trail per patient and per study, filtered by user.
CREATE INDEX audit_log_user ON audit_log (user_id, at) WHERE user_id IS NOT NULL;
