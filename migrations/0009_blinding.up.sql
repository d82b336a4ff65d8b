-- Blinding. A blinded study (study file `blinded: true`) hides each patient's arm from the
-- sites and pools the arms for researchers until it is unblinded (unblinded_at, final).
-- A code break reveals one patient's arm to the user who broke it; it is kept here for the
-- check on every patient read, and in the audit trail.
ALTER TABLE studies
    ADD COLUMN blinded boolean NOT NULL DEFAULT false,
    ADD COLUMN unblinded_at timestamptz,
    ADD COLUMN unblinded_by text NOT NULL DEFAULT '';

-- Double-blind studies that exist before this migration stay blind.
UPDATE studies SET blinded = true WHERE design = 'randomised-double-blind';

CREATE TABLE code_breaks (
    id         bigserial PRIMARY KEY,
    study_id   bigint NOT NULL REFERENCES studies (id),
    patient_id bigint NOT NULL,
    user_id    bigint REFERENCES users (id),
    actor      text NOT NULL,
    reason     text NOT NULL CHECK (btrim(reason) <> ''),
    at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    FOREIGN KEY (study_id, patient_id) REFERENCES patients (study_id, id)
);
CREATE INDEX code_breaks_patient ON code_breaks (patient_id, user_id);
CREATE INDEX code_breaks_study ON code_breaks (study_id, at);
